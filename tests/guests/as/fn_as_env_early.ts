// What an AssemblyScript function sees of its request's variables when it
// looks them up before reading stdin (lib/report.ts has the contract).
import { lookUp, readStdin, report } from "./lib/report";

const values = lookUp();
report(values, readStdin());
