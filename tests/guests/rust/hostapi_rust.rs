// A function in Rust (std only) on Gojinn's host module, declared as
// Gojinn's Rust SDK declares it (host_kv_get and host_http_get returning
// u64; absent when the result is larger than the buffer). The request body
// is one command: "incr KEY" (a counter in KV, printed) or "fetch URL"
// (host_http_get: the body's length, then the body).
use std::io::{Read, Write};

#[link(wasm_import_module = "gojinn")]
extern "C" {
    fn host_kv_set(k_ptr: u32, k_len: u32, v_ptr: u32, v_len: u32);
    fn host_kv_get(k_ptr: u32, k_len: u32, out_ptr: u32, out_max: u32) -> u64;
    fn host_http_get(u_ptr: u32, u_len: u32, out_ptr: u32, out_max: u32) -> u64;
}

fn kv_get(key: &str) -> Option<String> {
    let mut buf = vec![0u8; 4096];
    let n = unsafe { host_kv_get(key.as_ptr() as u32, key.len() as u32, buf.as_mut_ptr() as u32, buf.len() as u32) };
    if n > buf.len() as u64 {
        return None;
    }
    Some(String::from_utf8_lossy(&buf[..n as usize]).to_string())
}

fn kv_set(key: &str, value: &str) {
    unsafe { host_kv_set(key.as_ptr() as u32, key.len() as u32, value.as_ptr() as u32, value.len() as u32) }
}

fn main() {
    let mut body = String::new();
    std::io::stdin().read_to_string(&mut body).unwrap();
    let mut words = body.splitn(2, ' ');
    let cmd = words.next().unwrap_or("");
    let arg = words.next().unwrap_or("").trim();
    let out = match cmd {
        "incr" => {
            let n: u64 = kv_get(arg).and_then(|v| v.parse().ok()).unwrap_or(0) + 1;
            kv_set(arg, &n.to_string());
            n.to_string()
        }
        "fetch" => {
            let mut buf = vec![0u8; 65536];
            let n = unsafe { host_http_get(arg.as_ptr() as u32, arg.len() as u32, buf.as_mut_ptr() as u32, buf.len() as u32) };
            format!("{}:{}", n, String::from_utf8_lossy(&buf[..n as usize]))
        }
        _ => std::process::exit(2),
    };
    write!(std::io::stdout(), "{}", out).unwrap();
}
