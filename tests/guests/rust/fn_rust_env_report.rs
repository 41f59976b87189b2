// What a Rust function sees of its request's variables, for the
// per-language snapshot tests (the contract of ../fn_env_report.c). Rust's
// std reads the environment while the program starts, before main, so the
// order of `--early` changes nothing here: the snapshot has to be taken
// no later than that read. With `--json` the lines go out as a
// json-protocol response's body.
use std::io::{Read, Write};

const NAMES: [&str; 4] = ["REQUEST_METHOD", "QUERY_STRING", "HTTP_X_TEST", "DB_HOST"];

fn look_up() -> Vec<String> {
    NAMES.iter().map(|n| std::env::var(n).unwrap_or_else(|_| "(unset)".to_string())).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let early = args.iter().any(|a| a == "--early");
    let json = args.iter().any(|a| a == "--json");
    let mut values = if early { look_up() } else { Vec::new() };
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input).unwrap();
    if !early {
        values = look_up();
    }
    let mut lines = String::new();
    for (name, value) in NAMES.iter().zip(values.iter()) {
        lines.push_str(&format!("{}={}\n", name, value));
    }
    lines.push_str(&format!("STDIN={}\n", input.len()));
    let mut out = std::io::stdout();
    if json {
        let body = lines.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        write!(out, "{{\"status\":200,\"body\":\"{}\"}}", body).unwrap();
    } else {
        out.write_all(lines.as_bytes()).unwrap();
    }
}
