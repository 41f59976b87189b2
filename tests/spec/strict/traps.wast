;; The runner must fail every assertion below (tests/spec/suite.sh): a
;; trap of another kind, a message the expected text does not start, a
;; call that finishes, a trap that is not exhaustion.
(module
  (type $t (func (result i32)))
  (table 3 funcref)
  (func (export "div") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
  (func (export "stop") unreachable)
  (func (export "call") (param i32) (result i32) (call_indirect (type $t) (local.get 0))))
(assert_trap (invoke "div" (i32.const 0)) "integer overflow")
(assert_trap (invoke "stop") "out of bounds memory access")
(assert_trap (invoke "div" (i32.const 1)) "integer divide by zero")
(assert_trap (invoke "call" (i32.const 2)) "uninitialized element 3")
(assert_trap (invoke "call" (i32.const 7)) "undefined element 8")
(assert_exhaustion (invoke "stop") "call stack exhausted")
