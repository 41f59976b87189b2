/* The SIMD instructions (the 0xFD prefix) but v128.const and
 * i8x16.shuffle, in two tables. ops.h makes one internal op of each plain
 * instruction and each load, interp.c one handler (the function of
 * simd_ops.h inlined), simd.c the info the validator and compiler read.
 *
 * IW_SIMD_OPS: sub-opcode, kind (simd.h), the scalar type of
 * SPLAT/EXTRACT/REPLACE, the lanes of EXTRACT/REPLACE, the function, the
 * text name. */
#ifndef IFRIT_WASM_SIMD_TABLE_H
#define IFRIT_WASM_SIMD_TABLE_H

#define IW_SIMD_OPS(X)                                                       \
    X(0x0E, BIN, 0, 0, i8x16_swizzle, "i8x16.swizzle")                        \
    X(0x0F, SPLAT, IW_I32, 0, i8x16_splat, "i8x16.splat")                     \
    X(0x10, SPLAT, IW_I32, 0, i16x8_splat, "i16x8.splat")                     \
    X(0x11, SPLAT, IW_I32, 0, i32x4_splat, "i32x4.splat")                     \
    X(0x12, SPLAT, IW_I64, 0, i64x2_splat, "i64x2.splat")                     \
    X(0x13, SPLAT, IW_F32, 0, f32x4_splat, "f32x4.splat")                     \
    X(0x14, SPLAT, IW_F64, 0, f64x2_splat, "f64x2.splat")                     \
    X(0x15, EXTRACT, IW_I32, 16, i8x16_extract_lane_s, "i8x16.extract_lane_s") \
    X(0x16, EXTRACT, IW_I32, 16, i8x16_extract_lane_u, "i8x16.extract_lane_u") \
    X(0x17, REPLACE, IW_I32, 16, i8x16_replace_lane, "i8x16.replace_lane")    \
    X(0x18, EXTRACT, IW_I32, 8, i16x8_extract_lane_s, "i16x8.extract_lane_s") \
    X(0x19, EXTRACT, IW_I32, 8, i16x8_extract_lane_u, "i16x8.extract_lane_u") \
    X(0x1A, REPLACE, IW_I32, 8, i16x8_replace_lane, "i16x8.replace_lane")     \
    X(0x1B, EXTRACT, IW_I32, 4, i32x4_extract_lane, "i32x4.extract_lane")     \
    X(0x1C, REPLACE, IW_I32, 4, i32x4_replace_lane, "i32x4.replace_lane")     \
    X(0x1D, EXTRACT, IW_I64, 2, i64x2_extract_lane, "i64x2.extract_lane")     \
    X(0x1E, REPLACE, IW_I64, 2, i64x2_replace_lane, "i64x2.replace_lane")     \
    X(0x1F, EXTRACT, IW_F32, 4, f32x4_extract_lane, "f32x4.extract_lane")     \
    X(0x20, REPLACE, IW_F32, 4, f32x4_replace_lane, "f32x4.replace_lane")     \
    X(0x21, EXTRACT, IW_F64, 2, f64x2_extract_lane, "f64x2.extract_lane")     \
    X(0x22, REPLACE, IW_F64, 2, f64x2_replace_lane, "f64x2.replace_lane")     \
    X(0x23, BIN, 0, 0, i8x16_eq, "i8x16.eq")                                  \
    X(0x24, BIN, 0, 0, i8x16_ne, "i8x16.ne")                                  \
    X(0x25, BIN, 0, 0, i8x16_lt_s, "i8x16.lt_s")                              \
    X(0x26, BIN, 0, 0, i8x16_lt_u, "i8x16.lt_u")                              \
    X(0x27, BIN, 0, 0, i8x16_gt_s, "i8x16.gt_s")                              \
    X(0x28, BIN, 0, 0, i8x16_gt_u, "i8x16.gt_u")                              \
    X(0x29, BIN, 0, 0, i8x16_le_s, "i8x16.le_s")                              \
    X(0x2A, BIN, 0, 0, i8x16_le_u, "i8x16.le_u")                              \
    X(0x2B, BIN, 0, 0, i8x16_ge_s, "i8x16.ge_s")                              \
    X(0x2C, BIN, 0, 0, i8x16_ge_u, "i8x16.ge_u")                              \
    X(0x2D, BIN, 0, 0, i16x8_eq, "i16x8.eq")                                  \
    X(0x2E, BIN, 0, 0, i16x8_ne, "i16x8.ne")                                  \
    X(0x2F, BIN, 0, 0, i16x8_lt_s, "i16x8.lt_s")                              \
    X(0x30, BIN, 0, 0, i16x8_lt_u, "i16x8.lt_u")                              \
    X(0x31, BIN, 0, 0, i16x8_gt_s, "i16x8.gt_s")                              \
    X(0x32, BIN, 0, 0, i16x8_gt_u, "i16x8.gt_u")                              \
    X(0x33, BIN, 0, 0, i16x8_le_s, "i16x8.le_s")                              \
    X(0x34, BIN, 0, 0, i16x8_le_u, "i16x8.le_u")                              \
    X(0x35, BIN, 0, 0, i16x8_ge_s, "i16x8.ge_s")                              \
    X(0x36, BIN, 0, 0, i16x8_ge_u, "i16x8.ge_u")                              \
    X(0x37, BIN, 0, 0, i32x4_eq, "i32x4.eq")                                  \
    X(0x38, BIN, 0, 0, i32x4_ne, "i32x4.ne")                                  \
    X(0x39, BIN, 0, 0, i32x4_lt_s, "i32x4.lt_s")                              \
    X(0x3A, BIN, 0, 0, i32x4_lt_u, "i32x4.lt_u")                              \
    X(0x3B, BIN, 0, 0, i32x4_gt_s, "i32x4.gt_s")                              \
    X(0x3C, BIN, 0, 0, i32x4_gt_u, "i32x4.gt_u")                              \
    X(0x3D, BIN, 0, 0, i32x4_le_s, "i32x4.le_s")                              \
    X(0x3E, BIN, 0, 0, i32x4_le_u, "i32x4.le_u")                              \
    X(0x3F, BIN, 0, 0, i32x4_ge_s, "i32x4.ge_s")                              \
    X(0x40, BIN, 0, 0, i32x4_ge_u, "i32x4.ge_u")                              \
    X(0x41, BIN, 0, 0, f32x4_eq, "f32x4.eq")                                  \
    X(0x42, BIN, 0, 0, f32x4_ne, "f32x4.ne")                                  \
    X(0x43, BIN, 0, 0, f32x4_lt, "f32x4.lt")                                  \
    X(0x44, BIN, 0, 0, f32x4_gt, "f32x4.gt")                                  \
    X(0x45, BIN, 0, 0, f32x4_le, "f32x4.le")                                  \
    X(0x46, BIN, 0, 0, f32x4_ge, "f32x4.ge")                                  \
    X(0x47, BIN, 0, 0, f64x2_eq, "f64x2.eq")                                  \
    X(0x48, BIN, 0, 0, f64x2_ne, "f64x2.ne")                                  \
    X(0x49, BIN, 0, 0, f64x2_lt, "f64x2.lt")                                  \
    X(0x4A, BIN, 0, 0, f64x2_gt, "f64x2.gt")                                  \
    X(0x4B, BIN, 0, 0, f64x2_le, "f64x2.le")                                  \
    X(0x4C, BIN, 0, 0, f64x2_ge, "f64x2.ge")                                  \
    X(0x4D, UN, 0, 0, v128_not, "v128.not")                                   \
    X(0x4E, BIN, 0, 0, v128_and, "v128.and")                                  \
    X(0x4F, BIN, 0, 0, v128_andnot, "v128.andnot")                            \
    X(0x50, BIN, 0, 0, v128_or, "v128.or")                                    \
    X(0x51, BIN, 0, 0, v128_xor, "v128.xor")                                  \
    X(0x52, TERN, 0, 0, v128_bitselect, "v128.bitselect")                     \
    X(0x53, TEST, 0, 0, v128_any_true, "v128.any_true")                       \
    X(0x5E, UN, 0, 0, f32x4_demote_f64x2_zero, "f32x4.demote_f64x2_zero")     \
    X(0x5F, UN, 0, 0, f64x2_promote_low_f32x4, "f64x2.promote_low_f32x4")     \
    X(0x60, UN, 0, 0, i8x16_abs, "i8x16.abs")                                 \
    X(0x61, UN, 0, 0, i8x16_neg, "i8x16.neg")                                 \
    X(0x62, UN, 0, 0, i8x16_popcnt, "i8x16.popcnt")                           \
    X(0x63, TEST, 0, 0, i8x16_all_true, "i8x16.all_true")                     \
    X(0x64, TEST, 0, 0, i8x16_bitmask, "i8x16.bitmask")                       \
    X(0x65, BIN, 0, 0, i8x16_narrow_i16x8_s, "i8x16.narrow_i16x8_s")          \
    X(0x66, BIN, 0, 0, i8x16_narrow_i16x8_u, "i8x16.narrow_i16x8_u")          \
    X(0x67, UN, 0, 0, f32x4_ceil, "f32x4.ceil")                               \
    X(0x68, UN, 0, 0, f32x4_floor, "f32x4.floor")                             \
    X(0x69, UN, 0, 0, f32x4_trunc, "f32x4.trunc")                             \
    X(0x6A, UN, 0, 0, f32x4_nearest, "f32x4.nearest")                         \
    X(0x6B, SHIFT, 0, 0, i8x16_shl, "i8x16.shl")                              \
    X(0x6C, SHIFT, 0, 0, i8x16_shr_s, "i8x16.shr_s")                          \
    X(0x6D, SHIFT, 0, 0, i8x16_shr_u, "i8x16.shr_u")                          \
    X(0x6E, BIN, 0, 0, i8x16_add, "i8x16.add")                                \
    X(0x6F, BIN, 0, 0, i8x16_add_sat_s, "i8x16.add_sat_s")                    \
    X(0x70, BIN, 0, 0, i8x16_add_sat_u, "i8x16.add_sat_u")                    \
    X(0x71, BIN, 0, 0, i8x16_sub, "i8x16.sub")                                \
    X(0x72, BIN, 0, 0, i8x16_sub_sat_s, "i8x16.sub_sat_s")                    \
    X(0x73, BIN, 0, 0, i8x16_sub_sat_u, "i8x16.sub_sat_u")                    \
    X(0x74, UN, 0, 0, f64x2_ceil, "f64x2.ceil")                               \
    X(0x75, UN, 0, 0, f64x2_floor, "f64x2.floor")                             \
    X(0x76, BIN, 0, 0, i8x16_min_s, "i8x16.min_s")                            \
    X(0x77, BIN, 0, 0, i8x16_min_u, "i8x16.min_u")                            \
    X(0x78, BIN, 0, 0, i8x16_max_s, "i8x16.max_s")                            \
    X(0x79, BIN, 0, 0, i8x16_max_u, "i8x16.max_u")                            \
    X(0x7A, UN, 0, 0, f64x2_trunc, "f64x2.trunc")                             \
    X(0x7B, BIN, 0, 0, i8x16_avgr_u, "i8x16.avgr_u")                          \
    X(0x7C, UN, 0, 0, i16x8_extadd_pairwise_i8x16_s, "i16x8.extadd_pairwise_i8x16_s") \
    X(0x7D, UN, 0, 0, i16x8_extadd_pairwise_i8x16_u, "i16x8.extadd_pairwise_i8x16_u") \
    X(0x7E, UN, 0, 0, i32x4_extadd_pairwise_i16x8_s, "i32x4.extadd_pairwise_i16x8_s") \
    X(0x7F, UN, 0, 0, i32x4_extadd_pairwise_i16x8_u, "i32x4.extadd_pairwise_i16x8_u") \
    X(0x80, UN, 0, 0, i16x8_abs, "i16x8.abs")                                 \
    X(0x81, UN, 0, 0, i16x8_neg, "i16x8.neg")                                 \
    X(0x82, BIN, 0, 0, i16x8_q15mulr_sat_s, "i16x8.q15mulr_sat_s")            \
    X(0x83, TEST, 0, 0, i16x8_all_true, "i16x8.all_true")                     \
    X(0x84, TEST, 0, 0, i16x8_bitmask, "i16x8.bitmask")                       \
    X(0x85, BIN, 0, 0, i16x8_narrow_i32x4_s, "i16x8.narrow_i32x4_s")          \
    X(0x86, BIN, 0, 0, i16x8_narrow_i32x4_u, "i16x8.narrow_i32x4_u")          \
    X(0x87, UN, 0, 0, i16x8_extend_low_i8x16_s, "i16x8.extend_low_i8x16_s")   \
    X(0x88, UN, 0, 0, i16x8_extend_high_i8x16_s, "i16x8.extend_high_i8x16_s") \
    X(0x89, UN, 0, 0, i16x8_extend_low_i8x16_u, "i16x8.extend_low_i8x16_u")   \
    X(0x8A, UN, 0, 0, i16x8_extend_high_i8x16_u, "i16x8.extend_high_i8x16_u") \
    X(0x8B, SHIFT, 0, 0, i16x8_shl, "i16x8.shl")                              \
    X(0x8C, SHIFT, 0, 0, i16x8_shr_s, "i16x8.shr_s")                          \
    X(0x8D, SHIFT, 0, 0, i16x8_shr_u, "i16x8.shr_u")                          \
    X(0x8E, BIN, 0, 0, i16x8_add, "i16x8.add")                                \
    X(0x8F, BIN, 0, 0, i16x8_add_sat_s, "i16x8.add_sat_s")                    \
    X(0x90, BIN, 0, 0, i16x8_add_sat_u, "i16x8.add_sat_u")                    \
    X(0x91, BIN, 0, 0, i16x8_sub, "i16x8.sub")                                \
    X(0x92, BIN, 0, 0, i16x8_sub_sat_s, "i16x8.sub_sat_s")                    \
    X(0x93, BIN, 0, 0, i16x8_sub_sat_u, "i16x8.sub_sat_u")                    \
    X(0x94, UN, 0, 0, f64x2_nearest, "f64x2.nearest")                         \
    X(0x95, BIN, 0, 0, i16x8_mul, "i16x8.mul")                                \
    X(0x96, BIN, 0, 0, i16x8_min_s, "i16x8.min_s")                            \
    X(0x97, BIN, 0, 0, i16x8_min_u, "i16x8.min_u")                            \
    X(0x98, BIN, 0, 0, i16x8_max_s, "i16x8.max_s")                            \
    X(0x99, BIN, 0, 0, i16x8_max_u, "i16x8.max_u")                            \
    X(0x9B, BIN, 0, 0, i16x8_avgr_u, "i16x8.avgr_u")                          \
    X(0x9C, BIN, 0, 0, i16x8_extmul_low_i8x16_s, "i16x8.extmul_low_i8x16_s")  \
    X(0x9D, BIN, 0, 0, i16x8_extmul_high_i8x16_s, "i16x8.extmul_high_i8x16_s") \
    X(0x9E, BIN, 0, 0, i16x8_extmul_low_i8x16_u, "i16x8.extmul_low_i8x16_u")  \
    X(0x9F, BIN, 0, 0, i16x8_extmul_high_i8x16_u, "i16x8.extmul_high_i8x16_u") \
    X(0xA0, UN, 0, 0, i32x4_abs, "i32x4.abs")                                 \
    X(0xA1, UN, 0, 0, i32x4_neg, "i32x4.neg")                                 \
    X(0xA3, TEST, 0, 0, i32x4_all_true, "i32x4.all_true")                     \
    X(0xA4, TEST, 0, 0, i32x4_bitmask, "i32x4.bitmask")                       \
    X(0xA7, UN, 0, 0, i32x4_extend_low_i16x8_s, "i32x4.extend_low_i16x8_s")   \
    X(0xA8, UN, 0, 0, i32x4_extend_high_i16x8_s, "i32x4.extend_high_i16x8_s") \
    X(0xA9, UN, 0, 0, i32x4_extend_low_i16x8_u, "i32x4.extend_low_i16x8_u")   \
    X(0xAA, UN, 0, 0, i32x4_extend_high_i16x8_u, "i32x4.extend_high_i16x8_u") \
    X(0xAB, SHIFT, 0, 0, i32x4_shl, "i32x4.shl")                              \
    X(0xAC, SHIFT, 0, 0, i32x4_shr_s, "i32x4.shr_s")                          \
    X(0xAD, SHIFT, 0, 0, i32x4_shr_u, "i32x4.shr_u")                          \
    X(0xAE, BIN, 0, 0, i32x4_add, "i32x4.add")                                \
    X(0xB1, BIN, 0, 0, i32x4_sub, "i32x4.sub")                                \
    X(0xB5, BIN, 0, 0, i32x4_mul, "i32x4.mul")                                \
    X(0xB6, BIN, 0, 0, i32x4_min_s, "i32x4.min_s")                            \
    X(0xB7, BIN, 0, 0, i32x4_min_u, "i32x4.min_u")                            \
    X(0xB8, BIN, 0, 0, i32x4_max_s, "i32x4.max_s")                            \
    X(0xB9, BIN, 0, 0, i32x4_max_u, "i32x4.max_u")                            \
    X(0xBA, BIN, 0, 0, i32x4_dot_i16x8_s, "i32x4.dot_i16x8_s")                \
    X(0xBC, BIN, 0, 0, i32x4_extmul_low_i16x8_s, "i32x4.extmul_low_i16x8_s")  \
    X(0xBD, BIN, 0, 0, i32x4_extmul_high_i16x8_s, "i32x4.extmul_high_i16x8_s") \
    X(0xBE, BIN, 0, 0, i32x4_extmul_low_i16x8_u, "i32x4.extmul_low_i16x8_u")  \
    X(0xBF, BIN, 0, 0, i32x4_extmul_high_i16x8_u, "i32x4.extmul_high_i16x8_u") \
    X(0xC0, UN, 0, 0, i64x2_abs, "i64x2.abs")                                 \
    X(0xC1, UN, 0, 0, i64x2_neg, "i64x2.neg")                                 \
    X(0xC3, TEST, 0, 0, i64x2_all_true, "i64x2.all_true")                     \
    X(0xC4, TEST, 0, 0, i64x2_bitmask, "i64x2.bitmask")                       \
    X(0xC7, UN, 0, 0, i64x2_extend_low_i32x4_s, "i64x2.extend_low_i32x4_s")   \
    X(0xC8, UN, 0, 0, i64x2_extend_high_i32x4_s, "i64x2.extend_high_i32x4_s") \
    X(0xC9, UN, 0, 0, i64x2_extend_low_i32x4_u, "i64x2.extend_low_i32x4_u")   \
    X(0xCA, UN, 0, 0, i64x2_extend_high_i32x4_u, "i64x2.extend_high_i32x4_u") \
    X(0xCB, SHIFT, 0, 0, i64x2_shl, "i64x2.shl")                              \
    X(0xCC, SHIFT, 0, 0, i64x2_shr_s, "i64x2.shr_s")                          \
    X(0xCD, SHIFT, 0, 0, i64x2_shr_u, "i64x2.shr_u")                          \
    X(0xCE, BIN, 0, 0, i64x2_add, "i64x2.add")                                \
    X(0xD1, BIN, 0, 0, i64x2_sub, "i64x2.sub")                                \
    X(0xD5, BIN, 0, 0, i64x2_mul, "i64x2.mul")                                \
    X(0xD6, BIN, 0, 0, i64x2_eq, "i64x2.eq")                                  \
    X(0xD7, BIN, 0, 0, i64x2_ne, "i64x2.ne")                                  \
    X(0xD8, BIN, 0, 0, i64x2_lt_s, "i64x2.lt_s")                              \
    X(0xD9, BIN, 0, 0, i64x2_gt_s, "i64x2.gt_s")                              \
    X(0xDA, BIN, 0, 0, i64x2_le_s, "i64x2.le_s")                              \
    X(0xDB, BIN, 0, 0, i64x2_ge_s, "i64x2.ge_s")                              \
    X(0xDC, BIN, 0, 0, i64x2_extmul_low_i32x4_s, "i64x2.extmul_low_i32x4_s")  \
    X(0xDD, BIN, 0, 0, i64x2_extmul_high_i32x4_s, "i64x2.extmul_high_i32x4_s") \
    X(0xDE, BIN, 0, 0, i64x2_extmul_low_i32x4_u, "i64x2.extmul_low_i32x4_u")  \
    X(0xDF, BIN, 0, 0, i64x2_extmul_high_i32x4_u, "i64x2.extmul_high_i32x4_u") \
    X(0xE0, UN, 0, 0, f32x4_abs, "f32x4.abs")                                 \
    X(0xE1, UN, 0, 0, f32x4_neg, "f32x4.neg")                                 \
    X(0xE3, UN, 0, 0, f32x4_sqrt, "f32x4.sqrt")                               \
    X(0xE4, BIN, 0, 0, f32x4_add, "f32x4.add")                                \
    X(0xE5, BIN, 0, 0, f32x4_sub, "f32x4.sub")                                \
    X(0xE6, BIN, 0, 0, f32x4_mul, "f32x4.mul")                                \
    X(0xE7, BIN, 0, 0, f32x4_div, "f32x4.div")                                \
    X(0xE8, BIN, 0, 0, f32x4_min, "f32x4.min")                                \
    X(0xE9, BIN, 0, 0, f32x4_max, "f32x4.max")                                \
    X(0xEA, BIN, 0, 0, f32x4_pmin, "f32x4.pmin")                              \
    X(0xEB, BIN, 0, 0, f32x4_pmax, "f32x4.pmax")                              \
    X(0xEC, UN, 0, 0, f64x2_abs, "f64x2.abs")                                 \
    X(0xED, UN, 0, 0, f64x2_neg, "f64x2.neg")                                 \
    X(0xEF, UN, 0, 0, f64x2_sqrt, "f64x2.sqrt")                               \
    X(0xF0, BIN, 0, 0, f64x2_add, "f64x2.add")                                \
    X(0xF1, BIN, 0, 0, f64x2_sub, "f64x2.sub")                                \
    X(0xF2, BIN, 0, 0, f64x2_mul, "f64x2.mul")                                \
    X(0xF3, BIN, 0, 0, f64x2_div, "f64x2.div")                                \
    X(0xF4, BIN, 0, 0, f64x2_min, "f64x2.min")                                \
    X(0xF5, BIN, 0, 0, f64x2_max, "f64x2.max")                                \
    X(0xF6, BIN, 0, 0, f64x2_pmin, "f64x2.pmin")                              \
    X(0xF7, BIN, 0, 0, f64x2_pmax, "f64x2.pmax")                              \
    X(0xF8, UN, 0, 0, i32x4_trunc_sat_f32x4_s, "i32x4.trunc_sat_f32x4_s")     \
    X(0xF9, UN, 0, 0, i32x4_trunc_sat_f32x4_u, "i32x4.trunc_sat_f32x4_u")     \
    X(0xFA, UN, 0, 0, f32x4_convert_i32x4_s, "f32x4.convert_i32x4_s")         \
    X(0xFB, UN, 0, 0, f32x4_convert_i32x4_u, "f32x4.convert_i32x4_u")         \
    X(0xFC, UN, 0, 0, i32x4_trunc_sat_f64x2_s_zero, "i32x4.trunc_sat_f64x2_s_zero") \
    X(0xFD, UN, 0, 0, i32x4_trunc_sat_f64x2_u_zero, "i32x4.trunc_sat_f64x2_u_zero") \
    X(0xFE, UN, 0, 0, f64x2_convert_low_i32x4_s, "f64x2.convert_low_i32x4_s") \
    X(0xFF, UN, 0, 0, f64x2_convert_low_i32x4_u, "f64x2.convert_low_i32x4_u")

/* IW_SIMD_MEM_OPS: sub-opcode, op name, kind (simd.h), bytes accessed,
 * natural alignment (log2), lanes of the _LANE forms, the function that
 * makes a load's result from the bytes read (zero-extended to 16) and the
 * vector operand of a load_lane (`none` for stores: one generic handler
 * copies the bytes), the text name. */
#define IW_SIMD_MEM_OPS(X)                                                   \
    X(0x00, V128_LOAD, LOAD, 16, 4, 0, v128_load, "v128.load")                \
    X(0x01, V128_LOAD8X8_S, LOAD, 8, 3, 0, v128_load8x8_s, "v128.load8x8_s")  \
    X(0x02, V128_LOAD8X8_U, LOAD, 8, 3, 0, v128_load8x8_u, "v128.load8x8_u")  \
    X(0x03, V128_LOAD16X4_S, LOAD, 8, 3, 0, v128_load16x4_s, "v128.load16x4_s") \
    X(0x04, V128_LOAD16X4_U, LOAD, 8, 3, 0, v128_load16x4_u, "v128.load16x4_u") \
    X(0x05, V128_LOAD32X2_S, LOAD, 8, 3, 0, v128_load32x2_s, "v128.load32x2_s") \
    X(0x06, V128_LOAD32X2_U, LOAD, 8, 3, 0, v128_load32x2_u, "v128.load32x2_u") \
    X(0x07, V128_LOAD8_SPLAT, LOAD, 1, 0, 0, i8x16_splat, "v128.load8_splat") \
    X(0x08, V128_LOAD16_SPLAT, LOAD, 2, 1, 0, i16x8_splat, "v128.load16_splat") \
    X(0x09, V128_LOAD32_SPLAT, LOAD, 4, 2, 0, i32x4_splat, "v128.load32_splat") \
    X(0x0A, V128_LOAD64_SPLAT, LOAD, 8, 3, 0, i64x2_splat, "v128.load64_splat") \
    X(0x0B, V128_STORE, STORE, 16, 4, 0, none, "v128.store")                  \
    X(0x54, V128_LOAD8_LANE, LOAD_LANE, 1, 0, 16, v128_load8_lane, "v128.load8_lane") \
    X(0x55, V128_LOAD16_LANE, LOAD_LANE, 2, 1, 8, v128_load16_lane, "v128.load16_lane") \
    X(0x56, V128_LOAD32_LANE, LOAD_LANE, 4, 2, 4, v128_load32_lane, "v128.load32_lane") \
    X(0x57, V128_LOAD64_LANE, LOAD_LANE, 8, 3, 2, v128_load64_lane, "v128.load64_lane") \
    X(0x58, V128_STORE8_LANE, STORE_LANE, 1, 0, 16, none, "v128.store8_lane") \
    X(0x59, V128_STORE16_LANE, STORE_LANE, 2, 1, 8, none, "v128.store16_lane") \
    X(0x5A, V128_STORE32_LANE, STORE_LANE, 4, 2, 4, none, "v128.store32_lane") \
    X(0x5B, V128_STORE64_LANE, STORE_LANE, 8, 3, 2, none, "v128.store64_lane") \
    X(0x5C, V128_LOAD32_ZERO, LOAD, 4, 2, 0, v128_load, "v128.load32_zero")   \
    X(0x5D, V128_LOAD64_ZERO, LOAD, 8, 3, 0, v128_load, "v128.load64_zero")

#endif
