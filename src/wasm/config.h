/* Every limit of the engine in one place. Guest-controlled sizes are checked
 * against these before anything is allocated, so a hostile module gets an
 * error value instead of exhausting the host. */
#ifndef IFRIT_WASM_CONFIG_H
#define IFRIT_WASM_CONFIG_H

#define IW_PAGE_SIZE            65536u
#define IW_MAX_PAGES            65536u      /* 4 GiB: the wasm32 address space */
#define IW_MAX_TABLE_SIZE       10000000u   /* elements; table.grow past returns -1 */

/* Decoder limits: bigger counts are refused as "too many ..." before any
 * allocation, whatever the section claims. */
#define IW_MAX_TYPES            1000000u
#define IW_MAX_FUNCS            1000000u
#define IW_MAX_IMPORTS          100000u
#define IW_MAX_EXPORTS          100000u
#define IW_MAX_GLOBALS          1000000u
#define IW_MAX_TABLES           100000u
#define IW_MAX_MEMORIES         100u        /* imported and defined */
#define IW_MAX_SEGMENTS         100000u
#define IW_MAX_SEGMENT_ITEMS    10000000u
#define IW_MAX_PARAMS           1000u
#define IW_MAX_RESULTS          1000u
#define IW_MAX_LOCALS           50000u      /* per function, params included */
#define IW_MAX_BLOCK_DEPTH      100000u     /* nesting of block/loop/if */
#define IW_MAX_FRAME_SLOTS      1000000u    /* locals + operand stack of one function */
#define IW_MAX_BR_TABLE         1000000u
#define IW_MAX_CONST_DEPTH      256u        /* values on the stack of an extended constant expression */

/* Execution. The value stack starts small and doubles on demand up to the
 * instance's max_stack_bytes; the frame stack likewise up to the call depth. */
#define IW_INITIAL_STACK_SLOTS  4096u
#define IW_INITIAL_FRAMES       64u
#define IW_HOST_MAX_RESULTS     16u         /* results of one host function */

/* Fuel is charged per loop iteration and per call. Every IW_CHECK_PERIOD
 * units the slow path also looks at the interrupt flag and the deadline, so
 * the clock is read rarely whatever the workload. */
#define IW_CHECK_PERIOD         20000

/* A memory that grows past this size moves (once) into a reservation of
 * address space as large as it may ever get, where growing only changes
 * page protections: no copying, and pages cost RAM only once touched.
 * Smaller memories stay plain heap blocks, which are cheaper to set up. */
#define IW_MEMORY_MAP_MIN_BYTES (1u << 20)

/* Snapshots: memories up to this size are copied into new instances (a
 * memcpy beats setting up a mapping); larger ones are mapped copy-on-write
 * from a memfd where the platform has it. */
#define IW_IMAGE_COPY_MAX_BYTES (256u * 1024u)
/* Resettable instances of images up to this size keep a heap copy of the
 * memory with a write map (a reset copies back what changed, a few
 * hundred nanoseconds); bigger ones map the image copy-on-write and a
 * reset puts back the pages written (mapped.c: in place, or dropped when
 * there are many), so untouched pages never cost RAM. */
#define IW_RESET_COPY_MAX_BYTES (16u << 20)
/* Idle copy-on-write mappings an image keeps for its next instances
 * (address space, and the pages the last guest wrote, reset in place). */
#define IW_IMAGE_POOL_MAX       16u
/* A mapping whose guest wrote up to this much keeps those pages present
 * when it is reset (the image's bytes copied back: no page faults for the
 * next guest); beyond it they are dropped, so an idle pool holds at most
 * IW_IMAGE_POOL_MAX times this of private memory per image. */
#define IW_MAPPED_KEEP_MAX_BYTES (4u << 20)
/* The pagemap scan that finds those pages reads 8 bytes per page of the
 * memory (about 40-90 ns a page here), so it is skipped for memories over
 * IW_MAPPED_SCAN_MAX_BYTES, and when a scan finds fewer than one page in
 * IW_MAPPED_SCAN_WORTH written, the image's next IW_MAPPED_SCAN_PAUSE
 * resets drop pages instead (a guest that writes little pays few faults). */
#define IW_MAPPED_SCAN_MAX_BYTES (64u << 20)
#define IW_MAPPED_SCAN_WORTH     32u
#define IW_MAPPED_SCAN_PAUSE     63u

#endif
