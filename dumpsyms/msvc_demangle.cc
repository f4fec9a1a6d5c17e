// msvc_demangle.cc - MSVC name undecoration, the only user of LLVM's
// Microsoft demangler (libLLVMDemangle).  See msvc_demangle.h.
//
// LLVM's llvm::microsoftDemangle() has no flag for DbgHelp's UNDNAME_NO_ECSU
// (no "class"/"struct"/"union"/"enum" before a type) and none for
// UNDNAME_NO_THISTYPE, both of which Breakpad's Windows dump_syms asks for.
// So this file drives the demangler one level down, through the Demangler
// class and Node::toString() of the same public headers: check that parsing
// and printing stay small (msvc_parse_bounded, msvc_size_ok), parse, clear
// the qualifiers of "this" on the symbol's signature, print with the
// tag-specifier flag set, then respell the result as DbgHelp does (special
// member names, spacing).  C++ stays inside this file: every exception is
// caught here, and what leaves is malloc'd C strings.
#include "config.h"
#include "msvc_demangle.h"

#include <stdlib.h>
#include <string.h>

#include <new>
#include <string>

#include <llvm/Demangle/MicrosoftDemangle.h>
#include <llvm/Demangle/MicrosoftDemangleNodes.h>

namespace {

using llvm::ms_demangle::ArrayTypeNode;
using llvm::ms_demangle::ConversionOperatorIdentifierNode;
using llvm::ms_demangle::CustomTypeNode;
using llvm::ms_demangle::Demangler;
using llvm::ms_demangle::DynamicStructorIdentifierNode;
using llvm::ms_demangle::EncodedStringLiteralNode;
using llvm::ms_demangle::FunctionRefQualifier;
using llvm::ms_demangle::FunctionSignatureNode;
using llvm::ms_demangle::FunctionSymbolNode;
using llvm::ms_demangle::IdentifierNode;
using llvm::ms_demangle::LiteralOperatorIdentifierNode;
using llvm::ms_demangle::NamedIdentifierNode;
using llvm::ms_demangle::Node;
using llvm::ms_demangle::NodeArrayNode;
using llvm::ms_demangle::NodeKind;
using llvm::ms_demangle::OutputFlags;
using llvm::ms_demangle::PointerTypeNode;
using llvm::ms_demangle::QualifiedNameNode;
using llvm::ms_demangle::Qualifiers;
using llvm::ms_demangle::SpecialTableSymbolNode;
using llvm::ms_demangle::StructorIdentifierNode;
using llvm::ms_demangle::SymbolNode;
using llvm::ms_demangle::TagTypeNode;
using llvm::ms_demangle::TemplateParameterReferenceNode;
using llvm::ms_demangle::VariableSymbolNode;

// DbgHelp's UNDNAME_NO_MS_KEYWORDS, _NO_ACCESS_SPECIFIERS, _NO_MEMBER_TYPE,
// _NO_FUNCTION_RETURNS and _NO_ECSU, as far as LLVM has them.
const OutputFlags msvc_flags = OutputFlags(
	llvm::ms_demangle::OF_NoCallingConvention |
	llvm::ms_demangle::OF_NoAccessSpecifier |
	llvm::ms_demangle::OF_NoMemberType |
	llvm::ms_demangle::OF_NoReturnType |
	llvm::ms_demangle::OF_NoTagSpecifier);

bool msvc_is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

// LLVM abbreviates the special member names ("`vector deleting dtor'");
// DbgHelp spells them out ("`vector deleting destructor'").  Rewrites the
// words "ctor" and "dtor" inside `...' quotes.
void msvc_respell_specials(std::string &s)
{
	std::string out;
	size_t depth = 0, i = 0;

	out.reserve(s.size() + 32);
	while (i < s.size()) {
		char c = s[i];

		if (c == '`') {
			depth++;
		} else if (c == '\'' && depth > 0) {
			depth--;
		} else if (depth > 0 && (c == 'c' || c == 'd') &&
			   s.compare(i + 1, 3, "tor") == 0 &&
			   (i == 0 || !msvc_is_word_char(s[i - 1])) &&
			   (i + 4 >= s.size() || !msvc_is_word_char(s[i + 4]))) {
			out += c == 'c' ? "constructor" : "destructor";
			i += 4;
			continue;
		} else if (c == 'E' && i > 0 && s[i - 1] == '`' &&
			   s.compare(i, 3, "EH ") == 0) {
			out += "eh";	// "`EH vector copy ctor iterator'"
			i += 2;
			continue;
		}
		out += c;
		i++;
	}
	s.swap(out);
}

bool msvc_is_operator_char(char c)
{
	return c != '\0' && strchr("+-*/%^&|~!=<>", c) != nullptr;
}

// DbgHelp's spacing, as MSVC's undname prints it ("f(int,char * *)",
// "std::vector<int,std::allocator<int> >") where LLVM writes
// "f(int, char **)" and "std::vector<int, std::allocator<int>>": no space
// after a comma, one between two closing '>' and after a '*' that another
// '*', a '&' or a qualifier follows.  Operator names ("operator>>",
// "operator*=", "operator->*") are copied as they are.
void msvc_dbghelp_spacing(std::string &s)
{
	std::string out;
	size_t i = 0;

	out.reserve(s.size() + 16);
	while (i < s.size()) {
		char c = s[i];

		if (c == 'o' && s.compare(i, 8, "operator") == 0 &&
		    (i == 0 || !msvc_is_word_char(s[i - 1]))) {
			out.append(s, i, 8);
			for (i += 8; i < s.size() && msvc_is_operator_char(s[i]); i++)
				out += s[i];
			continue;
		}
		out += c;
		i++;
		if (i >= s.size())
			break;
		if (c == ',' && s[i] == ' ')
			i++;
		else if (c == '>' && s[i] == '>')
			out += ' ';
		else if (c == '*' && (s[i] == '*' || s[i] == '&' || msvc_is_word_char(s[i])))
			out += ' ';
	}
	s.swap(out);
}

// OF_NoTagSpecifier does not reach the template arguments of a tag type's
// name in LLVM 14 ("std::basic_istream<char, struct std::char_traits<char>>"),
// while DbgHelp's UNDNAME_NO_ECSU drops every such keyword.  They are
// keywords, so as whole words they name nothing else.
void msvc_drop_tags(std::string &s)
{
	static const char *const tag[] = { "class ", "struct ", "union ", "enum " };
	std::string out;
	size_t i = 0, k;

	out.reserve(s.size());
	while (i < s.size()) {
		if (i == 0 || !msvc_is_word_char(s[i - 1])) {
			for (k = 0; k < sizeof(tag) / sizeof(tag[0]); k++)
				if (s.compare(i, strlen(tag[k]), tag[k]) == 0)
					break;
			if (k < sizeof(tag) / sizeof(tag[0])) {
				i += strlen(tag[k]);
				continue;
			}
		}
		out += s[i++];
	}
	s.swap(out);
}

// LLVM keeps the calling convention of function pointer types in
// parameters ("f(int (__cdecl *)(int))") whatever the flags; DbgHelp's
// UNDNAME_NO_MS_KEYWORDS drops it ("f(int (*)(int))").
void msvc_drop_inner_callconv(std::string &s)
{
	static const char *const conv[] = {
		"(__cdecl ", "(__stdcall ", "(__fastcall ", "(__thiscall ",
		"(__vectorcall ", "(__clrcall ", "(__pascal ", "(__regcall ",
		"(__eabi ", "(__swiftcall ", "(__swiftasynccall ",
	};
	size_t k, at;

	for (k = 0; k < sizeof(conv) / sizeof(conv[0]); k++) {
		size_t n = strlen(conv[k]);

		for (at = s.find(conv[k]); at != std::string::npos;
		     at = s.find(conv[k], at + 1))
			s.erase(at + 1, n - 1);
	}
}

// The demangler shares a back-referenced node and prints it at every
// reference, so the printed name can grow exponentially with the nesting of
// back references: a 223-character name prints 26 MB, one more level
// gigabytes.  msvc_size_ok() walks the tree as printing does, counting 16
// characters a node plus the text it holds, and gives up when *left runs
// out; that bounds both its own work and what toString() may print.
const size_t msvc_print_max = 1 << 20;

bool msvc_size_ok(const Node *n, size_t *left);

bool msvc_text_ok(size_t len, size_t *left)
{
	if (*left < len)
		return false;
	*left -= len;
	return true;
}

bool msvc_size_ok(const Node *n, size_t *left)
{
	if (n == nullptr)
		return true;
	if (!msvc_text_ok(16, left))
		return false;
	switch (n->kind()) {
	case NodeKind::FunctionSignature:
	case NodeKind::ThunkSignature: {
		auto f = static_cast<const FunctionSignatureNode *>(n);

		return msvc_size_ok(f->ReturnType, left) &&
		       msvc_size_ok(f->Params, left);
	}
	case NodeKind::NamedIdentifier: {
		auto id = static_cast<const NamedIdentifierNode *>(n);

		return msvc_text_ok(id->Name.size(), left) &&
		       msvc_size_ok(id->TemplateParams, left);
	}
	case NodeKind::LiteralOperatorIdentifier: {
		auto id = static_cast<const LiteralOperatorIdentifierNode *>(n);

		return msvc_text_ok(id->Name.size(), left) &&
		       msvc_size_ok(id->TemplateParams, left);
	}
	case NodeKind::VcallThunkIdentifier:
	case NodeKind::IntrinsicFunctionIdentifier:
	case NodeKind::LocalStaticGuardIdentifier:
	case NodeKind::RttiBaseClassDescriptor:
		return msvc_size_ok(static_cast<const IdentifierNode *>(n)->TemplateParams, left);
	case NodeKind::DynamicStructorIdentifier: {
		auto id = static_cast<const DynamicStructorIdentifierNode *>(n);

		return msvc_size_ok(id->TemplateParams, left) &&
		       msvc_size_ok(id->Variable, left) &&
		       msvc_size_ok(id->Name, left);
	}
	case NodeKind::ConversionOperatorIdentifier: {
		auto id = static_cast<const ConversionOperatorIdentifierNode *>(n);

		return msvc_size_ok(id->TemplateParams, left) &&
		       msvc_size_ok(id->TargetType, left);
	}
	case NodeKind::StructorIdentifier: {
		auto id = static_cast<const StructorIdentifierNode *>(n);

		return msvc_size_ok(id->TemplateParams, left) &&
		       msvc_size_ok(id->Class, left);
	}
	case NodeKind::PointerType: {
		auto p = static_cast<const PointerTypeNode *>(n);

		return msvc_size_ok(p->ClassParent, left) &&
		       msvc_size_ok(p->Pointee, left);
	}
	case NodeKind::TagType:
		return msvc_size_ok(static_cast<const TagTypeNode *>(n)->QualifiedName, left);
	case NodeKind::ArrayType: {
		auto a = static_cast<const ArrayTypeNode *>(n);

		return msvc_size_ok(a->Dimensions, left) &&
		       msvc_size_ok(a->ElementType, left);
	}
	case NodeKind::Custom:
		return msvc_size_ok(static_cast<const CustomTypeNode *>(n)->Identifier, left);
	case NodeKind::NodeArray: {
		auto a = static_cast<const NodeArrayNode *>(n);

		for (size_t i = 0; i < a->Count; i++)
			if (!msvc_size_ok(a->Nodes[i], left))
				return false;
		return true;
	}
	case NodeKind::QualifiedName:
		return msvc_size_ok(static_cast<const QualifiedNameNode *>(n)->Components, left);
	case NodeKind::TemplateParameterReference:
		return msvc_size_ok(static_cast<const TemplateParameterReferenceNode *>(n)->Symbol,
				    left);
	case NodeKind::EncodedStringLiteral: {
		auto s = static_cast<const EncodedStringLiteralNode *>(n);

		return msvc_text_ok(s->DecodedString.size(), left) &&
		       msvc_size_ok(s->Name, left);
	}
	case NodeKind::FunctionSymbol: {
		auto f = static_cast<const FunctionSymbolNode *>(n);

		return msvc_size_ok(f->Name, left) && msvc_size_ok(f->Signature, left);
	}
	case NodeKind::VariableSymbol: {
		auto v = static_cast<const VariableSymbolNode *>(n);

		return msvc_size_ok(v->Name, left) && msvc_size_ok(v->Type, left);
	}
	case NodeKind::SpecialTableSymbol: {
		auto t = static_cast<const SpecialTableSymbolNode *>(n);

		return msvc_size_ok(t->Name, left) && msvc_size_ok(t->TargetName, left);
	}
	case NodeKind::LocalStaticGuardVariable:
	case NodeKind::Md5Symbol:
		return msvc_size_ok(static_cast<const SymbolNode *>(n)->Name, left);
	default:	// primitive and intrinsic types, integer literals
		return true;
	}
}

// The parser prints too: it memorizes every template instantiation name
// ("?$...") as text and renders a nested symbol ("??..." inside a name),
// which with nested back references costs as much as printing would, before
// msvc_size_ok() can look at the tree (a 504-character name takes
// gigabytes).  Every back reference is a digit and at most doubles what it
// is part of, so what the parser prints for a template or nested symbol
// starting at s[i] is at most (len - i) * 2^(digits after i); names are
// parsed only when the sum over those starts (each nesting level is printed
// again by the next) is at most msvc_parse_max.  Digits after '?', '$' or
// '_' are numbers or operator codes ("?0", "$0A@", "?_0", "<lambda_1>"),
// not back references.
const size_t msvc_parse_max = (size_t)1 << 26;

bool msvc_parse_bounded(const char *s, size_t len)
{
	size_t i, digits = 0, total = 0;

	for (i = len; i-- > 0;) {
		if (s[i] >= '0' && s[i] <= '9' &&
		    (i == 0 || (s[i - 1] != '?' && s[i - 1] != '$' && s[i - 1] != '_')))
			digits++;
		if (s[i] == '?' && i > 0 && i + 1 < len && (s[i + 1] == '$' || s[i + 1] == '?')) {
			if (digits >= 26 || (len - i) > (msvc_parse_max >> digits))
				return false;
			total += (len - i) << digits;
			if (total > msvc_parse_max)
				return false;
		}
	}
	return true;
}

// The undecorated name of s[0..len), or false when LLVM rejects it or does
// not read all of it.  May throw std::bad_alloc.
bool msvc_undecorate(const char *s, size_t len, std::string &out)
{
	if (!msvc_parse_bounded(s, len))
		return false;

	Demangler d;
	llvm::itanium_demangle::StringView in(s, len);
	SymbolNode *sym = d.parse(in);

	if (d.Error || sym == nullptr || !in.empty())
		return false;
	// UNDNAME_NO_THISTYPE and _NO_THROW_SIGNATURES: the demangler's nodes
	// live in its own arena and are printed once, so they may be edited.
	if (sym->kind() == NodeKind::FunctionSymbol) {
		FunctionSignatureNode *sig =
			static_cast<FunctionSymbolNode *>(sym)->Signature;

		if (sig != nullptr) {
			sig->Quals = Qualifiers::Q_None;
			sig->RefQualifier = FunctionRefQualifier::None;
			sig->IsNoexcept = false;
		}
	}
	size_t left = msvc_print_max;

	if (!msvc_size_ok(sym, &left))
		return false;
	// DbgHelp names every string literal ("??_C@_...") alike.
	if (sym->kind() == NodeKind::EncodedStringLiteral) {
		out = "`string'";
		return true;
	}
	out = sym->toString(msvc_flags);
	if (out.empty() || out[0] == '?')
		return false;
	msvc_respell_specials(out);
	msvc_drop_inner_callconv(out);
	msvc_drop_tags(out);
	msvc_dbghelp_spacing(out);
	// Breakpad's own rewrite: "f(void)" -> "f()".
	if (out.size() >= 6 && out.compare(out.size() - 6, 6, "(void)") == 0)
		out.replace(out.size() - 6, 6, "()");
	return true;
}

char *msvc_strndup(const char *s, size_t n)
{
	char *p = static_cast<char *>(malloc(n + 1));

	if (p != nullptr) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

bool msvc_is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

// Length of s without an LLVM uniquing suffix: ".llvm.<digits>" or "$" and
// 32 hex digits, at the end.
size_t msvc_strip_llvm_suffix(const char *s, size_t len)
{
	size_t i;

	if (len > 33 && s[len - 33] == '$') {	// and a name before it
		for (i = len - 32; i < len && msvc_is_hex(s[i]); i++)
			;
		if (i == len)
			return len - 33;
	}
	for (i = len; i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9'; i--)
		;
	if (i < len && i > 6 && memcmp(s + i - 6, ".llvm.", 6) == 0)
		return i - 6;
	return len;
}

// Breakpad's reading of a parameter size: decimal digits only, no leading
// zero unless it is "0", at most INT32_MAX.  An empty string reads as 0,
// as Breakpad's does.
bool msvc_param_digits(const char *s, size_t n, uint32_t *value)
{
	uint32_t v = 0;
	size_t i;

	if (n > 1 && s[0] == '0')
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > (INT32_MAX - (uint32_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	*value = v;
	return true;
}

const char *msvc_last_at(const char *s, size_t len)
{
	while (len > 0) {
		len--;
		if (s[len] == '@')
			return s + len;
	}
	return nullptr;
}

// The C rules of msvc_public_name() on s[0..len), which has no ':' or '('.
// Sets *start and *n to the undecorated part of s.
void msvc_c_name(const char *s, size_t len, const char **start, size_t *n,
		 uint32_t *param)
{
	const char *at;
	uint32_t v;

	*start = s;
	*n = len;
	*param = 0;
	if (len == 0)
		return;
	if (s[0] != '_' && s[0] != '@') {
		// vectorcall: "f@@N", f not empty and without '@', N not empty
		size_t k;

		at = static_cast<const char *>(memchr(s, '@', len));
		if (at == nullptr)
			return;
		k = (size_t)(at - s);
		if (k > 0 && len - k > 2 && at[1] == '@' &&
		    msvc_param_digits(at + 2, len - k - 2, &v)) {
			*n = k;
			*param = v;
		}
		return;
	}
	at = msvc_last_at(s + 1, len - 1);
	if (at != nullptr &&
	    msvc_param_digits(at + 1, len - (size_t)(at - s) - 1, &v)) {
		if (s[0] == '@')	// fastcall: ecx and edx carry 8 bytes
			v = v > 8 ? v - 8 : 0;
		*start = s + 1;
		*n = (size_t)(at - s) - 1;
		*param = v;
	} else if (s[0] == '_') {	// cdecl
		*start = s + 1;
		*n = len - 1;
	}
}

} // namespace

extern "C" char *msvc_demangle(const char *decorated)
{
	try {
		std::string out;
		size_t len = strlen(decorated);

		if (len == 0 || decorated[0] != '?' || len > MSVC_DEMANGLE_MAX ||
		    !msvc_undecorate(decorated, len, out))
			return nullptr;
		return msvc_strndup(out.data(), out.size());
	} catch (...) {
		return nullptr;
	}
}

extern "C" char *msvc_public_name(const char *decorated, uint32_t *param_size)
{
	uint32_t dummy;

	if (param_size == nullptr)
		param_size = &dummy;
	*param_size = 0;
	try {
		size_t len = strlen(decorated);
		size_t base = msvc_strip_llvm_suffix(decorated, len);
		const char *start;
		size_t n;

		if (decorated[0] == '?') {
			std::string out;

			if (base <= MSVC_DEMANGLE_MAX &&
			    msvc_undecorate(decorated, base, out))
				return msvc_strndup(out.data(), out.size());
			return msvc_strndup(decorated, len);
		}
		if (memchr(decorated, ':', base) != nullptr ||
		    memchr(decorated, '(', base) != nullptr)
			return msvc_strndup(decorated, len);
		msvc_c_name(decorated, base, &start, &n, param_size);
		return msvc_strndup(start, n);
	} catch (...) {
		*param_size = 0;
		return nullptr;
	}
}
