// What an AssemblyScript function sees of its request's variables when it
// looks them up after reading stdin (lib/report.ts has the contract).
import { lookUp, readStdin, report } from "./lib/report";

const n = readStdin();
report(lookUp(), n);
