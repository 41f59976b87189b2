;; The runner must fail every assertion below (tests/spec/suite.sh): a
;; module that loads or instantiates when it should not, one refused for
;; another reason than the text's, a trap where a link error is expected
;; and a link error where a trap is.
(assert_invalid (module (func (result i32) (i32.const 0))) "type mismatch")
(assert_invalid (module (func (result i32) (i64.const 0))) "unknown local")
(assert_malformed (module binary "\00asm\01\00\00\00\01") "magic header not detected")
(assert_unlinkable (module (memory 1) (data (i32.const 70000) "x")) "incompatible import type")
(assert_trap (module (import "spectest" "absent" (func))) "out of bounds memory access")
(assert_unlinkable (module (import "spectest" "print_i32" (func))) "unknown import")
(assert_trap (module (memory 1) (data (i32.const 70000) "x")) "out of bounds table access")
(assert_unlinkable (module (func)) "unknown import")
