# STACK CFI rules through remember/restore state, with rules Breakpad keeps
# in its table but cannot write (DWARF expressions, undefined, val
# expressions), restore to a CIE with no rule, nested states and register
# rules.  Our records must equal Breakpad's dump_syms for the same object,
# and both must equal the expected records below (checked by hand against
# the DWARF CFI rules: an expression rule restored over a writable one
# writes nothing; a rule that appeared after remember_state goes back to
# "same value").
. "${TOP:?run tests through tests/run}/tests/lib.sh"
need_bp
cat > t.s <<'ASM'
	.text
	.globl _start
_start:
	.cfi_startproc
	.cfi_undefined rip
	call f1
	call f2
	call f3
	hlt
	.cfi_endproc

	.globl f1
	.type f1,@function
f1:	.cfi_startproc
	pushq %rbx
	.cfi_adjust_cfa_offset 8
	.cfi_escape 0x10,3,2,0x77,0
	nop
	.cfi_remember_state
	.cfi_restore 3
	nop
	.cfi_restore_state
	nop
	popq %rbx
	.cfi_adjust_cfa_offset -8
	ret
	.cfi_endproc

	.globl f2
	.type f2,@function
f2:	.cfi_startproc
	pushq %rbp
	.cfi_def_cfa_offset 16
	.cfi_offset rbp, -16
	movq %rsp, %rbp
	.cfi_def_cfa_register rbp
	pushq %r12
	.cfi_offset r12, -24
	.cfi_remember_state
	.cfi_undefined r12
	.cfi_register r13, r14
	nop
	.cfi_remember_state
	.cfi_val_offset r15, -32
	.cfi_escape 0x16,14,2,0x77,0
	nop
	.cfi_restore_state
	nop
	.cfi_restore_state
	nop
	popq %r12
	.cfi_same_value r12
	popq %rbp
	.cfi_def_cfa rsp, 8
	ret
	.cfi_endproc

	.globl f3
	.type f3,@function
f3:	.cfi_startproc
	subq $24, %rsp
	.cfi_def_cfa_offset 32
	.cfi_escape 0x10,6,2,0x77,8
	.cfi_remember_state
	.cfi_offset rbp, -16
	nop
	.cfi_restore_state
	.cfi_remember_state
	.cfi_undefined rbp
	nop
	.cfi_restore rbp
	nop
	.cfi_restore_state
	addq $24, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
ASM
gcc -nostdlib -static -Wl,--build-id -o t t.s || fail "cannot assemble"
cat > expected.txt <<'EXP'
STACK CFI INIT 1000 10 .cfa: $rsp 8 + .ra: .cfa -8 + ^
STACK CFI INIT 1010 6 .cfa: $rsp 8 + .ra: .cfa -8 + ^
STACK CFI 1011 .cfa: $rsp 16 +
STACK CFI 1012 $rbx: $rbx
STACK CFI 1015 .cfa: $rsp 8 +
STACK CFI INIT 1016 e .cfa: $rsp 8 + .ra: .cfa -8 + ^
STACK CFI 1017 $rbp: .cfa -16 + ^ .cfa: $rsp 16 +
STACK CFI 101a .cfa: $rbp 16 +
STACK CFI 101c $r12: .cfa -24 + ^ $r13: $r14
STACK CFI 101d $r15: .cfa -32 +
STACK CFI 101e $r14: $r14 $r15: $r15
STACK CFI 101f $r12: .cfa -24 + ^ $r13: $r13
STACK CFI 1022 $r12: $r12
STACK CFI 1023 .cfa: $rsp 8 +
STACK CFI INIT 1024 c .cfa: $rsp 8 + .ra: .cfa -8 + ^
STACK CFI 1028 $rbp: .cfa -16 + ^ .cfa: $rsp 32 +
STACK CFI 102a $rbp: $rbp
STACK CFI 102f .cfa: $rsp 8 +
EXP
run_dumpsyms t > ours.sym || fail "dumpsyms failed"
"$BP/dump_syms" t > bp.sym 2>/dev/null || fail "Breakpad's dump_syms failed"
grep '^STACK ' ours.sym > ours.txt
grep '^STACK ' bp.sym > bp.txt
compare bp.txt ours.txt "STACK CFI against Breakpad"
compare expected.txt ours.txt "STACK CFI against the expected records"
# -c drops them all
run_dumpsyms -c t > nocfi.sym || fail "dumpsyms -c failed"
grep -q '^STACK' nocfi.sym && fail "-c still writes STACK records"
exit 0
