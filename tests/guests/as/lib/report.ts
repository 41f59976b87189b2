// The contract of ../../fn_env_report.c for the AssemblyScript guests.
// The WASI shim reads the environment (process.env, a @lazy global) at the
// point of the start function where the compiler first meets a use of it:
// the guest that calls lookUp() before reading stdin reads it there, the
// one that calls it after reads it after.
const NAMES: string[] = ["REQUEST_METHOD", "QUERY_STRING", "HTTP_X_TEST", "DB_HOST"];

export function lookUp(): string[] {
  const values = new Array<string>(NAMES.length);
  for (let i = 0; i < NAMES.length; i++) {
    values[i] = process.env.has(NAMES[i]) ? process.env.get(NAMES[i]) : "(unset)";
  }
  return values;
}

// The bytes of stdin, read to its end.
export function readStdin(): i32 {
  const buf = new ArrayBuffer(65536);
  let total = 0;
  for (;;) {
    const n = process.stdin.read(buf);
    if (n <= 0) break;
    total += n;
  }
  return total;
}

// Writes the report; with `--json` among the arguments as a json-protocol
// response's body.
export function report(values: string[], stdinBytes: i32): void {
  let lines = "";
  for (let i = 0; i < NAMES.length; i++) lines += NAMES[i] + "=" + values[i] + "\n";
  lines += "STDIN=" + stdinBytes.toString() + "\n";
  if (process.argv.includes("--json")) {
    const body = lines.replaceAll("\\", "\\\\").replaceAll("\"", "\\\"").replaceAll("\n", "\\n");
    process.stdout.write("{\"status\":200,\"body\":\"" + body + "\"}");
  } else {
    process.stdout.write(lines);
  }
}
