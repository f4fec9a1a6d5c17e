#include "config.h"
#include "symname.h"

#include <stdint.h>
#include <string.h>

static bool ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$';
}

/* The suffixes gcc and clang give clones and split parts of a function. */
static bool clone_word(const char *w, size_t n)
{
	static const char *const words[] = {
		"cold", "part", "isra", "constprop", "lto_priv", "llvm", "localalias", "clone",
		"specialized", "__uniq",
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && memcmp(words[i], w, n) == 0)
			return true;
	return false;
}

static bool digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* The last position of c in s[0..n), or n. */
static size_t last_of(const char *s, size_t n, char c)
{
	size_t i = n;

	while (i > 0)
		if (s[--i] == c)
			return i;
	return n;
}

size_t symname_unclone(const char *s, size_t n)
{
	static const char tag[] = " [clone .";
	const size_t tl = sizeof(tag) - 1;

	for (;;) {
		size_t d, d2;

		if (n > tl && s[n - 1] == ']') {
			size_t p = n - tl;
			while (p > 0 && memcmp(s + p, tag, tl) != 0)
				p--;
			if (memcmp(s + p, tag, tl) == 0 && p > 0) {
				n = p;
				continue;
			}
			break;
		}
		d = last_of(s, n, '.');
		if (d == n || d == 0)
			break;
		if (clone_word(s + d + 1, n - d - 1)) {
			n = d;	/* foo.cold */
			continue;
		}
		if (!digits(s + d + 1, n - d - 1))
			break;
		d2 = last_of(s, d, '.');
		if (d2 == d || d2 == 0 || !clone_word(s + d2 + 1, d - d2 - 1))
			break;
		n = d2;		/* foo.part.0 */
	}
	return n;
}

/* The position of the bracket opening the one that closes at s[end - 1],
 * or end when they do not balance. */
static size_t match_back(const char *s, size_t end, char open, char close)
{
	size_t i = end, depth = 0;

	while (i > 0) {
		char c = s[--i];
		if (c == close)
			depth++;
		else if (c == open && --depth == 0)
			return i;
	}
	return end;
}

static bool ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && memcmp(s + n - k, suf, k) == 0;
}

/* Past the operator's own characters at s[i] (just after "operator"):
 * "()", "[]", "new[]", "<<=", or nothing for a conversion operator. */
static size_t skip_operator(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] == ' ')
		i++;
	if (i + 3 <= n && memcmp(s + i, "new", 3) == 0 && (i + 3 == n || !ident(s[i + 3])))
		i += 3;
	else if (i + 6 <= n && memcmp(s + i, "delete", 6) == 0 && (i + 6 == n || !ident(s[i + 6])))
		i += 6;
	if (i + 2 <= n && ((s[i] == '(' && s[i + 1] == ')') || (s[i] == '[' && s[i + 1] == ']')))
		return i + 2;
	while (i < n && strchr("<>=!+-*/%^&|~,", s[i]))
		i++;
	return i;
}

static bool is_open(char c)
{
	return c == '(' || c == '<' || c == '[' || c == '{';
}

static bool is_close(char c)
{
	return c == ')' || c == '>' || c == ']' || c == '}';
}

const char *symname_base(const char *s, size_t n, bool params, size_t *len)
{
	size_t i, comp = 0, start, depth = 0, op = SIZE_MAX, end;
	bool conv = false;

	n = symname_unclone(s, n);
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (params) {
		static const char *const quals[] = { " const", " volatile", " &&", " &", " noexcept" };
		bool more = true;
		while (more) {
			more = false;
			for (i = 0; i < sizeof(quals) / sizeof(quals[0]); i++)
				if (ends_with(s, n, quals[i])) {
					n -= strlen(quals[i]);
					more = true;
				}
		}
		if (n > 0 && s[n - 1] == ')') {
			size_t p = match_back(s, n, '(', ')');
			if (p < n)
				n = p;
		}
	}
	/* the last scope component, at bracket depth 0; an operator's own
	 * characters are not brackets, and after a conversion operator no
	 * "::" splits (a conversion to a qualified type) */
	for (i = 0; i < n;) {
		char c = s[i];
		if (depth == 0 && !conv && c == 'o' && (i == 0 || !ident(s[i - 1])) &&
		    i + 8 <= n && memcmp(s + i, "operator", 8) == 0 && (i + 8 == n || !ident(s[i + 8]))) {
			size_t j = skip_operator(s, n, i + 8);
			op = i;
			conv = j < n && ident(s[j]);
			i = j;
			continue;
		}
		if (is_open(c))
			depth++;
		else if (is_close(c) && depth > 0)
			depth--;
		else if (depth == 0 && !conv && c == ':' && i + 1 < n && s[i + 1] == ':' &&
			 !(i + 2 < n && s[i + 2] == '<')) {	/* Rust's f::<T> */
			/* a scope after an operator: a local class in operator() */
			comp = i + 2;
			op = SIZE_MAX;
			i += 2;
			continue;
		}
		i++;
	}
	start = comp;
	if (op != SIZE_MAX) {
		start = op;
	} else {
		/* a return type before the name ("int twice<int>") */
		for (i = comp, depth = 0; i < n; i++) {
			if (is_open(s[i]))
				depth++;
			else if (is_close(s[i]) && depth > 0)
				depth--;
			else if (depth == 0 && s[i] == ' ')
				start = i + 1;
		}
	}
	end = n;
	/* ABI tags: foo[abi:cxx11] */
	while (end > start && s[end - 1] == ']') {
		size_t p = match_back(s, end, '[', ']');
		if (p >= end || p < start || end - p < 5 || memcmp(s + p + 1, "abi:", 4) != 0)
			break;
		end = p;
	}
	/* template arguments, except an operator's (operator<, operator<<) */
	if (op == SIZE_MAX && end > start && s[end - 1] == '>') {
		size_t p = match_back(s, end, '<', '>');
		if (p < end && p > start)
			end = p;
		if (end - start > 2 && s[end - 1] == ':' && s[end - 2] == ':')
			end -= 2;	/* Rust's f::<T> */
	}
	*len = end - start;
	return s + start;
}

bool symname_agree(const char *dw, const char *sym)
{
	size_t a, b;
	const char *x = symname_base(dw, strlen(dw), false, &a);
	const char *y = symname_base(sym, strlen(sym), strchr(sym, '(') != NULL, &b);

	return a == b && a > 0 && memcmp(x, y, a) == 0;
}
