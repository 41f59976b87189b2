/* The x86-64 compiler (docs/engine.md, "Compiler"): the encoder's bytes
 * (checked against objdump -D -b binary -mi386:x86-64), and compiled
 * functions against the interpreter on the same module: results, traps
 * with their messages and backtraces, fuel used, slices that pause and
 * resume, calls both ways between compiled and interpreted code, calls
 * and returns that stay in compiled code (direct and through a table, with
 * the table's traps, declared locals zeroed, the depth and value stack
 * limits). */
#include <string.h>

#define TEST_SUITE "wasm/jit"
#include "testing.h"
#include "wat.h"
#include "wasm/jit.h"
#include "wasm/jit_x64.h"

static void test_encoder(void)
{
    iw_x64_buf_t b = { 0 };
    iw_x64_load(&b, true, IW_X64_RAX, IW_X64_RBX, 8);                     /* mov rax, [rbx+8] */
    iw_x64_store(&b, true, IW_X64_RBX, 0x200, IW_X64_RAX);                /* mov [rbx+0x200], rax */
    iw_x64_op_mem(&b, false, false, (const uint8_t[]){ 0x8B }, 1, IW_X64_RAX, IW_X64_R13, IW_X64_RAX, 0);
    iw_x64_alu_ri(&b, IW_X64_SUB, true, IW_X64_R15, 7);                    /* sub r15, 7 */
    iw_x64_alu_mi(&b, IW_X64_CMP, false, IW_X64_RBP, 0, 0);                /* cmp dword [rbp+0], 0 */
    iw_x64_load(&b, true, IW_X64_R15, IW_X64_R12, 0);                      /* mov r15, [r12] */
    iw_x64_mov_imm(&b, IW_X64_RCX, 0x1122334455667788ull);                 /* movabs rcx */
    iw_x64_mov_imm(&b, IW_X64_RCX, 5);                                     /* mov ecx, 5 */
    iw_x64_push(&b, IW_X64_R12);
    iw_x64_pop(&b, IW_X64_RBP);
    iw_x64_jmp_reg(&b, IW_X64_RDX);
    iw_x64_shift_cl(&b, IW_X64_SHL, false, IW_X64_RAX);
    iw_x64_shift_cl(&b, IW_X64_SAR, true, IW_X64_RAX);
    iw_x64_setcc(&b, IW_X64_CC_L, IW_X64_RAX);
    iw_x64_movzx8_rr(&b, IW_X64_RAX, IW_X64_RAX);
    iw_x64_cmov(&b, IW_X64_CC_E, true, IW_X64_RAX, IW_X64_RDX);
    iw_x64_div(&b, true, true, IW_X64_RCX);                                /* idiv rcx */
    iw_x64_div(&b, false, false, IW_X64_RCX);                              /* div ecx */
    iw_x64_sign_extend_ax(&b, true);                                       /* cqo */
    iw_x64_op_mem(&b, false, false, (const uint8_t[]){ 0xC6 }, 1, 0, IW_X64_RDX, IW_X64_RAX, 0);
    iw_x64_byte(&b, 1);                                                    /* mov byte [rdx+rax], 1 */
    iw_x64_op_mem(&b, true, false, (const uint8_t[]){ 0x89 }, 1, IW_X64_RCX, IW_X64_R13, IW_X64_RAX, 0);
    iw_x64_alu_rr(&b, IW_X64_CMP, true, IW_X64_RCX, IW_X64_R14);           /* cmp rcx, r14 */
    iw_x64_alu_ri(&b, IW_X64_ADD, false, IW_X64_RAX, 100000);              /* add eax, 100000 */
    iw_x64_imul_rr(&b, true, IW_X64_RAX, IW_X64_RCX);
    iw_x64_shift_ri(&b, IW_X64_SHR, true, IW_X64_RAX, 16);
    iw_x64_op_mem(&b, false, true, (const uint8_t[]){ 0x63 }, 1, IW_X64_RAX, IW_X64_RBX, -1, 16);
    iw_x64_ret(&b);
    static const uint8_t want[] = {
        0x48, 0x8b, 0x43, 0x08, 0x48, 0x89, 0x83, 0x00, 0x02, 0x00, 0x00, 0x41, 0x8b, 0x44, 0x05, 0x00,
        0x49, 0x83, 0xef, 0x07, 0x83, 0x7d, 0x00, 0x00, 0x4d, 0x8b, 0x3c, 0x24, 0x48, 0xb9, 0x88, 0x77,
        0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0xb9, 0x05, 0x00, 0x00, 0x00, 0x41, 0x54, 0x5d, 0xff, 0xe2,
        0xd3, 0xe0, 0x48, 0xd3, 0xf8, 0x0f, 0x9c, 0xc0, 0x0f, 0xb6, 0xc0, 0x48, 0x0f, 0x44, 0xc2, 0x48,
        0xf7, 0xf9, 0xf7, 0xf1, 0x48, 0x99, 0xc6, 0x04, 0x02, 0x01, 0x66, 0x41, 0x89, 0x4c, 0x05, 0x00,
        0x4c, 0x39, 0xf1, 0x81, 0xc0, 0xa0, 0x86, 0x01, 0x00, 0x48, 0x0f, 0xaf, 0xc1, 0x48, 0xc1, 0xe8,
        0x10, 0x48, 0x63, 0x43, 0x10, 0xc3,
    };
    CHECK(!b.oom);
    CHECK_INT_EQ(b.len, sizeof want);
    CHECK(b.len == sizeof want && memcmp(b.p, want, sizeof want) == 0);
    /* a forward jump patched to its target: rel32 counts from the next instruction */
    b.len = 0;
    size_t at = iw_x64_jcc(&b, IW_X64_CC_NE);
    iw_x64_ret(&b);
    iw_x64_patch(&b, at, b.len);
    static const uint8_t jump[] = { 0x0f, 0x85, 0x01, 0x00, 0x00, 0x00, 0xc3 };
    CHECK(b.len == sizeof jump && memcmp(b.p, jump, sizeof jump) == 0);
    /* SSE: the mandatory prefix before REX */
    b.len = 0;
    iw_x64_sse_mem(&b, 0xF3, (const uint8_t[]){ 0x0F, 0x6F }, 2, 0, IW_X64_RBX, -1, 8);            /* movdqu xmm0, [rbx+8] */
    iw_x64_sse_mem(&b, 0xF3, (const uint8_t[]){ 0x0F, 0x7F }, 2, 1, IW_X64_R13, IW_X64_RAX, 0);    /* movdqu [r13+rax], xmm1 */
    iw_x64_sse_rr(&b, 0x66, (const uint8_t[]){ 0x0F, 0xFE }, 2, 0, 1);                            /* paddd xmm0, xmm1 */
    iw_x64_sse_rr(&b, 0x66, (const uint8_t[]){ 0x0F, 0x38, 0x40 }, 3, 1, 0);                      /* pmulld xmm1, xmm0 */
    iw_x64_sse_rr(&b, 0x66, (const uint8_t[]){ 0x0F, 0xD7 }, 2, IW_X64_RAX, 0);                   /* pmovmskb eax, xmm0 */
    iw_x64_sse_rr(&b, 0x66, (const uint8_t[]){ 0x0F, 0x6E }, 2, 1, IW_X64_RCX);                   /* movd xmm1, ecx */
    iw_x64_sse_mem(&b, 0x66, (const uint8_t[]){ 0x0F, 0x38, 0x20 }, 3, 0, IW_X64_RBX, -1, 0x108); /* pmovsxbw xmm0, [rbx+0x108] */
    static const uint8_t sse[] = {
        0xf3, 0x0f, 0x6f, 0x43, 0x08, 0xf3, 0x41, 0x0f, 0x7f, 0x4c, 0x05, 0x00, 0x66, 0x0f, 0xfe, 0xc1,
        0x66, 0x0f, 0x38, 0x40, 0xc8, 0x66, 0x0f, 0xd7, 0xc0, 0x66, 0x0f, 0x6e, 0xc9, 0x66, 0x0f, 0x38,
        0x20, 0x83, 0x08, 0x01, 0x00, 0x00,
    };
    CHECK_INT_EQ(b.len, sizeof sse);
    CHECK(b.len == sizeof sse && memcmp(b.p, sse, sizeof sse) == 0);
    iw_x64_free(&b);
}

static const char *const WAT =
    "(module\n"
    "  (import \"host\" \"get\" (func $get (param i32) (result i32)))\n"
    "  (memory 1)\n"
    "  (global $g (mut i64) (i64.const 5))\n"
    "  (func $sum (export \"sum\") (param $n i32) (result i32) (local $acc i32)\n"
    "    (block $done (loop $l\n"
    "      (br_if $done (i32.eqz (local.get $n)))\n"
    "      (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $n) (local.get $n))))\n"
    "      (local.set $n (i32.sub (local.get $n) (i32.const 1)))\n"
    "      (br $l)))\n"
    "    (local.get $acc))\n"
    "  (func $fib (export \"fib\") (param i32) (result i32)\n"
    "    (if (result i32) (i32.lt_s (local.get 0) (i32.const 2)) (then (local.get 0))\n"
    "      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))\n"
    "                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))\n"
    "  (func (export \"div\") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))\n"
    "  (func (export \"rem\") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))\n"
    "  (func (export \"mem\") (param $a i32) (result i64) (local $i i32)\n"
    "    (loop $l\n"
    "      (i64.store offset=8 (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3)))\n"
    "        (i64.extend_i32_s (i32.sub (i32.const 0) (local.get $i))))\n"
    "      (i32.store8 (local.get $i) (local.get $i))\n"
    "      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "      (br_if $l (i32.lt_u (local.get $i) (i32.const 16))))\n"
    "    (global.set $g (i64.add (global.get $g) (i64.load offset=8 (i32.add (local.get $a) (i32.const 40)))))\n"
    "    (i64.add (global.get $g) (i64.load8_u (i32.const 15))))\n"
    "  (func (export \"host_loop\") (param $n i32) (result i32) (local $acc i32)\n"
    "    (loop $l\n"
    "      (local.set $acc (i32.add (local.get $acc) (call $get (local.get $n))))\n"
    "      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))\n"
    "      (br_if $l))\n"
    "    (local.get $acc))\n"
    "  (func $deep (export \"deep\") (param i32) (result i32)\n"
    "    (if (result i32) (local.get 0) (then (call $deep (i32.sub (local.get 0) (i32.const 1))))\n"
    "      (else (i32.div_u (i32.const 1) (local.get 0)))))\n"
    "  (type $ii (func (param i32) (result i32)))\n"
    "  (table 5 funcref)\n"
    "  (elem (i32.const 0) $twice $locals $get $sum)\n"
    "  (func $twice (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))\n"
    /* ten declared locals (more than the compiler zeroes one by one):
     * they must read zero on entry, however the frame's slots were used */
    "  (func $locals (param $n i32) (result i32)\n"
    "    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32)\n"
    "    (local $f i32) (local $g i32) (local $h i32) (local $i i32) (local $k i32)\n"
    "    (local.set $k (i32.add (i32.add (i32.add (local.get $a) (local.get $b)) (i32.add (local.get $c) (local.get $d)))\n"
    "      (i32.add (i32.add (local.get $e) (local.get $f)) (i32.add (i32.add (local.get $g) (local.get $h))\n"
    "        (i32.add (local.get $i) (local.get $k))))))\n"
    "    (local.set $a (local.tee $b (local.tee $c (local.tee $d (local.tee $e (local.tee $f\n"
    "      (local.tee $g (local.tee $h (local.tee $i (i32.add (local.get $n) (i32.const 7)))))))))))\n"
    "    (if (result i32) (local.get $n)\n"
    "      (then (i32.add (i32.mul (local.get $k) (i32.const 1000)) (i32.add (local.get $a)\n"
    "        (call $locals (i32.sub (local.get $n) (i32.const 1))))))\n"
    "      (else (i32.mul (local.get $k) (i32.const 1000)))))\n"
    "  (func (export \"indirect\") (param $i i32) (param $x i32) (result i32)\n"
    "    (call_indirect (type $ii) (local.get $x) (local.get $i)))\n"
    "  (func (export \"indirect_loop\") (param $n i32) (result i32) (local $acc i32)\n"
    "    (loop $l\n"
    "      (local.set $acc (i32.add (local.get $acc)\n"
    "        (call_indirect (type $ii) (i32.and (local.get $n) (i32.const 15)) (i32.and (local.get $n) (i32.const 1)))))\n"
    "      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))\n"
    "      (br_if $l))\n"
    "    (local.get $acc))\n"
    "  (func (export \"indirect_wrong_type\") (result i32)\n"
    "    (call_indirect (result i32) (i32.const 0)))\n"
    /* what compiled code hands to helpers: floating point, conversions
     * that trap, memory.grow, bulk memory, tables; and br_table */
    "  (func (export \"floaty\") (param $n i32) (result i64) (local $x f64) (local $i i32)\n"
    "    (local.set $x (f64.const 0.5))\n"
    "    (loop $l\n"
    "      (local.set $x (f64.add (f64.mul (local.get $x) (f64.const 1.0001))\n"
    "        (f64.sqrt (f64.convert_i32_s (local.get $i)))))\n"
    "      (local.set $x (f64.min (local.get $x) (f64.promote_f32 (f32.div (f32.const 1) (f32.const 0)))))\n"
    "      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "      (br_if $l (i32.lt_s (local.get $i) (local.get $n))))\n"
    "    (i64.reinterpret_f64 (f64.nearest (local.get $x))))\n"
    "  (func (export \"trunc\") (param i32) (result i32)\n"
    "    (i32.trunc_f64_s (f64.mul (f64.convert_i32_s (local.get 0)) (f64.const 1e6))))\n"
    "  (func (export \"switch\") (param $i i32) (result i32)\n"
    "    (block $d (block $c (block $b (block $a\n"
    "      (br_table $a $b $c $d (local.get $i)))\n"
    "      (return (i32.const 10)))\n"
    "      (return (i32.const 20)))\n"
    "      (return (i32.const 30)))\n"
    "    (i32.const 40))\n"
    "  (func (export \"switch_value\") (param $i i32) (result i32)\n"
    "    (block $x (result i32) (i32.add (i32.const 100) (block $y (result i32)\n"
    "      (br_table $y $x $y (i32.mul (local.get $i) (i32.const 3)) (local.get $i))))))\n"
    "  (func (export \"bulk\") (param $n i32) (result i32)\n"
    "    (drop (memory.grow (i32.const 1)))\n"
    "    (memory.fill (i32.const 65536) (i32.const 0xab) (local.get $n))\n"
    "    (memory.copy (i32.const 65600) (i32.const 65530) (i32.const 20))\n"
    "    (i32.add (memory.size) (i32.load (i32.const 65608))))\n"
    "  (func (export \"tables\") (param $i i32) (result i32)\n"
    "    (table.set 0 (i32.const 4) (table.get 0 (local.get $i)))\n"
    "    (i32.add (i32.add (table.size 0) (ref.is_null (table.get 0 (i32.const 4))))\n"
    "      (call_indirect (type $ii) (i32.const 5) (i32.const 4))))\n"
    /* the register cache: locals kept in registers across a back-edge that
     * rotates them (a cycle of register moves), and more live locals than
     * registers (i64 and inline f64 arithmetic) */
    "  (func (export \"rotate\") (param $n i32) (result i32) (local $a i32) (local $b i32) (local $c i32) (local $t i32)\n"
    "    (local.set $a (i32.const 1)) (local.set $b (i32.const 2)) (local.set $c (i32.const 3))\n"
    "    (loop $l\n"
    "      (local.set $t (local.get $a))\n"
    "      (local.set $a (local.get $b))\n"
    "      (local.set $b (local.get $c))\n"
    "      (local.set $c (i32.add (i32.mul (local.get $t) (i32.const 3)) (local.get $n)))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (i32.xor (local.get $a) (i32.xor (i32.shl (local.get $b) (i32.const 8)) (i32.shl (local.get $c) (i32.const 16)))))\n"
    "  (func (export \"many\") (param $n i32) (result i64)\n"
    "    (local $a i64) (local $b i64) (local $c i64) (local $d i64) (local $f i64) (local $x f64) (local $y f64)\n"
    "    (local.set $x (f64.const 1)) (local.set $b (i64.const 0x1234567))\n"
    "    (loop $l\n"
    "      (local.set $a (i64.add (local.get $a) (i64.extend_i32_u (local.get $n))))\n"
    "      (local.set $b (i64.xor (local.get $b) (local.get $a)))\n"
    "      (local.set $c (i64.add (local.get $c) (i64.rotl (local.get $b) (i64.const 7))))\n"
    "      (local.set $d (i64.sub (local.get $d) (local.get $c)))\n"
    "      (local.set $f (i64.add (local.get $f) (i64.shr_u (local.get $d) (i64.const 3))))\n"
    "      (local.set $y (f64.add (local.get $y) (f64.const 1.5)))\n"
    "      (local.set $x (f64.sub (f64.div (f64.mul (local.get $x) (local.get $y)) (f64.add (local.get $y) (f64.const 1)))\n"
    "        (f64.const 0.25)))\n"
    "      (br_if $l (i32.gt_s (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (i32.const 0))))\n"
    "    (i64.add (i64.add (i64.xor (local.get $a) (local.get $b)) (i64.xor (local.get $c) (local.get $d)))\n"
    "      (i64.add (local.get $f) (i64.reinterpret_f64 (local.get $x)))))\n"
    ")\n";

static bool suspend_get;

static iw_host_result_t host_get(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)inst, (void)env;
    if (suspend_get) return IW_HOST_SUSPEND;
    results[0] = (uint32_t)(args[0] * 3);
    return IW_HOST_OK;
}

/* One module per engine, loaded with that engine selected. */
static iw_module_t *modules[2];
static iw_linker_t *linker;

typedef struct {
    iw_status_t status;
    int64_t value;
    uint64_t fuel;
    iw_trap_kind_t kind;
    char message[200];
    uint32_t frames;
    uint32_t top_offset;
} outcome_t;

static outcome_t run(int engine, const char *name, const iw_val_t *args, uint32_t nargs, const iw_limits_t *lim)
{
    outcome_t o = { 0 };
    iw_error_t err;
    iw_instance_t *inst = iw_instance_new(modules[engine], linker, lim, &err, NULL);
    if (!inst) return o;
    iw_val_t r = { 0 };
    o.status = iw_call(inst, iw_instance_func(inst, name), args, nargs, &r, 1);
    o.value = r.type == IW_I64 ? r.of.i64 : r.of.i32;
    o.fuel = iw_instance_fuel_used(inst);
    if (o.status == IW_TRAPPED) {
        const iw_trap_t *t = iw_instance_trap(inst);
        o.kind = t->kind;
        snprintf(o.message, sizeof o.message, "%s", t->message);
        o.frames = t->frame_count;
        o.top_offset = t->frame_count ? t->frames[0].code_offset : 0;
    }
    iw_instance_free(inst);
    return o;
}

static void same(const char *name, const iw_val_t *args, uint32_t nargs, const iw_limits_t *lim, iw_status_t want)
{
    outcome_t a = run(0, name, args, nargs, lim), b = run(1, name, args, nargs, lim);
    CHECK_INT_EQ(a.status, want);
    CHECK_INT_EQ(b.status, a.status);
    CHECK_INT_EQ(b.value, a.value);
    CHECK_INT_EQ(b.fuel, a.fuel);
    CHECK_INT_EQ(b.kind, a.kind);
    CHECK_STR_EQ(b.message, a.message);
    CHECK_INT_EQ(b.frames, a.frames);
    CHECK_INT_EQ(b.top_offset, a.top_offset);
}

#define I32(v) { .type = IW_I32, .of.i32 = (v) }

static void test_compiled_count(void)
{
    uint32_t defined = 0;
    CHECK_INT_EQ(iw_module_compiled_count(modules[0], &defined), 0);
    CHECK_INT_EQ(defined, 20);
    /* every function of the module uses only what the compiler translates */
    CHECK_INT_EQ(iw_module_compiled_count(modules[1], NULL), IW_JIT ? 20 : 0);
}

static void test_results_match(void)
{
    iw_val_t n[] = { I32(300) }, f[] = { I32(18) }, a[] = { I32(100) };
    same("sum", n, 1, NULL, IW_FINISHED);
    same("fib", f, 1, NULL, IW_FINISHED);
    same("mem", a, 1, NULL, IW_FINISHED);
    same("host_loop", a, 1, NULL, IW_FINISHED);
    iw_val_t d[] = { I32(-7), I32(2) }, mn[] = { I32(INT32_MIN), I32(-1) };
    same("div", d, 2, NULL, IW_FINISHED);
    same("rem", d, 2, NULL, IW_FINISHED);
    same("rem", mn, 2, NULL, IW_FINISHED);   /* INT_MIN % -1 = 0 */
}

/* call_indirect to a compiled function, to one with many locals, to a host
 * function and to an exported wasm function called from the host too; its
 * traps (out of the table, a null element, a wrong type) as the
 * interpreter raises them. */
static void test_indirect_match(void)
{
    for (int32_t i = 0; i < 4; i++) {
        iw_val_t a[] = { I32(i), I32(9) };
        same("indirect", a, 2, NULL, IW_FINISHED);
    }
    iw_val_t n[] = { I32(300) };
    same("indirect_loop", n, 1, NULL, IW_FINISHED);
    outcome_t o = run(1, "indirect_loop", n, 1, NULL);
    /* 150 calls of $twice (even n) and 150 of $locals (odd n, n & 15 deep) */
    int64_t want = 0;
    for (int32_t k = 300; k > 0; k--) {
        if (!(k & 1)) want += 2 * (k & 15);
        else for (int32_t d = k & 15; d > 0; d--) want += d + 7;
    }
    CHECK_INT_EQ(o.value, want);
    iw_val_t oob[] = { I32(5), I32(1) }, null[] = { I32(4), I32(1) };
    same("indirect", oob, 2, NULL, IW_TRAPPED);
    same("indirect", null, 2, NULL, IW_TRAPPED);
    same("indirect_wrong_type", NULL, 0, NULL, IW_TRAPPED);
    for (uint64_t fuel = 1; fuel < 3000; fuel += 211) {
        iw_limits_t lim = { .fuel = fuel };
        same("indirect_loop", n, 1, &lim, IW_TRAPPED);
    }
}

/* Instructions compiled as helper calls, and br_table: the same results,
 * traps and fuel as the interpreter. */
static void test_helpers_match(void)
{
    iw_val_t n[] = { I32(500) };
    same("floaty", n, 1, NULL, IW_FINISHED);
    iw_val_t ok[] = { I32(2000) }, big[] = { I32(3000) };
    same("trunc", ok, 1, NULL, IW_FINISHED);
    same("trunc", big, 1, NULL, IW_TRAPPED);    /* 3e9 does not fit an i32 */
    for (int32_t i = -1; i < 6; i++) {
        iw_val_t a[] = { I32(i) };
        same("switch", a, 1, NULL, IW_FINISHED);
        same("switch_value", a, 1, NULL, IW_FINISHED);
        same("tables", a, 1, NULL, i >= 0 && i < 4 ? IW_FINISHED : IW_TRAPPED);
    }
    iw_val_t fill[] = { I32(100) }, overfill[] = { I32(70000) };
    same("bulk", fill, 1, NULL, IW_FINISHED);
    same("bulk", overfill, 1, NULL, IW_TRAPPED);
    CHECK_INT_EQ(run(1, "bulk", fill, 1, NULL).value, 2 + (int32_t)0xabababab);
    iw_limits_t cap = { .max_memory_bytes = 65536 };  /* memory.grow fails: the fill is out of bounds */
    same("bulk", fill, 1, &cap, IW_TRAPPED);
    for (uint64_t fuel = 1; fuel < 4000; fuel += 301) {
        iw_limits_t lim = { .fuel = fuel };
        same("floaty", n, 1, &lim, IW_TRAPPED);
    }
}

static void test_traps_match(void)
{
    iw_val_t z[] = { I32(1), I32(0) }, mn[] = { I32(INT32_MIN), I32(-1) }, oob[] = { I32(65530) }, deep[] = { I32(5) };
    same("div", z, 2, NULL, IW_TRAPPED);
    same("div", mn, 2, NULL, IW_TRAPPED);
    same("mem", oob, 1, NULL, IW_TRAPPED);
    same("deep", deep, 1, NULL, IW_TRAPPED);     /* a trap five compiled frames down: same backtrace */
    iw_limits_t depth = { .max_call_depth = 50 };
    iw_val_t far[] = { I32(1000) };
    same("deep", far, 1, &depth, IW_TRAPPED);
    /* the value stack limit, and a recursion deeper than the frame array
     * starts (compiled calls leave growing it to the interpreter) */
    iw_limits_t stack = { .max_stack_bytes = 4096 };
    same("deep", far, 1, &stack, IW_TRAPPED);
    iw_val_t farther[] = { I32(9000) };
    same("deep", farther, 1, NULL, IW_TRAPPED);
    CHECK_INT_EQ(run(1, "deep", farther, 1, NULL).kind, IW_TRAP_DIV_BY_ZERO);
}

static void test_fuel_match(void)
{
    /* out of fuel at the same instruction count, at every limit tried */
    iw_val_t n[] = { I32(1000) }, f[] = { I32(15) };
    for (uint64_t fuel = 1; fuel < 5000; fuel += 397) {
        iw_limits_t lim = { .fuel = fuel };
        same("sum", n, 1, &lim, IW_TRAPPED);
        same("fib", f, 1, &lim, IW_TRAPPED);
    }
}

/* A slice pauses compiled code and resuming goes on to the same result;
 * a host suspension inside a compiled loop likewise. */
static void test_suspend_resume(void)
{
    int64_t got[2] = { 0, 0 };
    uint32_t pauses[2] = { 0, 0 };
    for (int e = 0; e < 2; e++) {
        iw_instance_t *inst = iw_instance_new(modules[e], linker, NULL, NULL, NULL);
        iw_instance_set_slice(inst, 100);
        iw_val_t n[] = { I32(2000) }, r = { 0 };
        iw_status_t st = iw_call(inst, iw_instance_func(inst, "sum"), n, 1, &r, 1);
        while (st == IW_SUSPENDED && pauses[e] < 100000) {
            pauses[e]++;
            st = iw_resume(inst, NULL);
        }
        CHECK_INT_EQ(st, IW_FINISHED);
        got[e] = r.of.i32;
        iw_instance_free(inst);
    }
    CHECK_INT_EQ(got[1], got[0]);
    CHECK_INT_EQ(pauses[1], pauses[0]);
    CHECK(pauses[0] > 10);

    for (int e = 0; e < 2; e++) {
        iw_instance_t *inst = iw_instance_new(modules[e], linker, NULL, NULL, NULL);
        suspend_get = true;
        iw_val_t n[] = { I32(4) }, r = { 0 };
        iw_status_t st = iw_call(inst, iw_instance_func(inst, "host_loop"), n, 1, &r, 1);
        uint32_t k = 0;
        while (st == IW_SUSPENDED && k < 10) {
            const uint64_t *args;
            iw_instance_suspended(inst, NULL, &args);
            uint64_t res = args[0] * 3;
            k++;
            st = iw_resume(inst, &res);
        }
        suspend_get = false;
        CHECK_INT_EQ(st, IW_FINISHED);
        CHECK_INT_EQ(k, 4);
        got[e] = r.of.i32;
        iw_instance_free(inst);
    }
    CHECK_INT_EQ(got[0], 30);
    CHECK_INT_EQ(got[1], got[0]);
}

/* Values the register cache keeps across back-edges: the same results,
 * fuel and traps as the interpreter at every fuel limit tried, and slices
 * of every size from 1 up, each resuming after the loop header (where the
 * interpreter enters through the loop's register loads), to the same
 * result with as many pauses. */
static void test_loop_registers(void)
{
    static const char *const names[] = { "rotate", "many" };
    for (int k = 0; k < 2; k++) {
        for (int32_t n = 1; n < 40; n += 7) {
            iw_val_t a[] = { I32(n) };
            same(names[k], a, 1, NULL, IW_FINISHED);
        }
        iw_val_t a[] = { I32(300) };
        for (uint64_t fuel = 1; fuel < 4000; fuel += 211) {
            iw_limits_t lim = { .fuel = fuel };
            same(names[k], a, 1, &lim, IW_TRAPPED);
        }
        for (uint64_t slice = 1; slice < 60; slice += 4) {
            int64_t got[2] = { 0, 0 };
            uint32_t pauses[2] = { 0, 0 };
            for (int e = 0; e < 2; e++) {
                iw_instance_t *inst = iw_instance_new(modules[e], linker, NULL, NULL, NULL);
                iw_instance_set_slice(inst, slice);
                iw_val_t r = { 0 };
                iw_status_t st = iw_call(inst, iw_instance_func(inst, names[k]), a, 1, &r, 1);
                while (st == IW_SUSPENDED && pauses[e] < 100000) {
                    pauses[e]++;
                    st = iw_resume(inst, NULL);
                }
                CHECK_INT_EQ(st, IW_FINISHED);
                got[e] = r.type == IW_I64 ? r.of.i64 : r.of.i32;
                iw_instance_free(inst);
            }
            CHECK_INT_EQ(got[1], got[0]);
            CHECK_INT_EQ(pauses[1], pauses[0]);
            CHECK(pauses[0] > 0);
        }
    }
}

int main(void)
{
    RUN(test_encoder);
    linker = iw_linker_new();
    iw_linker_define_func(linker, "host", "get", "i:i", host_get, NULL);
    iw_set_engine(IW_ENGINE_INTERPRETER);
    modules[0] = wat_module(WAT);
    iw_set_engine(IW_ENGINE_COMPILER);
    modules[1] = wat_module(WAT);
    iw_set_engine(IW_ENGINE_DEFAULT);
    CHECK(modules[0] && modules[1]);
    if (modules[0] && modules[1]) {
        RUN(test_compiled_count);
        RUN(test_results_match);
        RUN(test_indirect_match);
        RUN(test_helpers_match);
        RUN(test_traps_match);
        RUN(test_fuel_match);
        RUN(test_suspend_resume);
        RUN(test_loop_registers);
    }
    iw_module_release(modules[0]);
    iw_module_release(modules[1]);
    iw_linker_free(linker);
    return testing_done();
}
