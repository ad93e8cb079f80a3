//! A small in-process HTTP/1.1 server for benchmarks and the connection test: it serves
//! JSON:API pages of keys shaped like Honeycomb's (generated on the fly, so that 100,000
//! keys cost the server no memory), keeps connections alive, and counts them.
#![allow(dead_code)]

use std::{
    fmt::Write as _,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

pub const TEAM: &str = "bench";
pub const PAGE: usize = 100;
pub const KEY_ID: &str = "hcxmk_01jbenchmanagementkey00000";
pub const KEY_SECRET: &str = "benchsecretbenchsecretbenchsecr0";

/// The running server: its address and how many connections it accepted.
pub struct Server {
    pub addr: SocketAddr,
    pub connections: Arc<AtomicUsize>,
}

impl Server {
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// A key object as Honeycomb returns it (all the fields of the wire facts).
pub fn key_json(out: &mut String, n: usize) {
    let _ = write!(
        out,
        r#"{{"id":"hcxik_{n:026}","type":"api-keys","attributes":{{"name":"service {n}","key_type":"ingest","disabled":false,"permissions":{{"create_datasets":true}},"timestamps":{{"created":"2024-09-22T17:32:11Z","updated":"2024-10-31T15:08:11Z"}}}},"relationships":{{"environment":{{"data":{{"id":"hcxen_01hznmeqrcq8rz533xrvtc6mk0","type":"environments"}}}},"creator":{{"data":{{"id":"hcxus_01hznmeqrcq8rz533xrvtc6mk0","type":"users"}}}},"editor":{{"data":null}}}},"links":{{"self":"/2/teams/{TEAM}/api-keys/hcxik_{n:026}"}}}}"#
    );
}

/// The page after cursor `after` (a page number) of a list of `total` keys.
pub fn page_json(total: usize, after: usize) -> String {
    let start = after * PAGE;
    let end = (start + PAGE).min(total);
    let mut body = String::with_capacity(800 * PAGE);
    body.push_str(r#"{"data":["#);
    for n in start..end {
        if n > start {
            body.push(',');
        }
        key_json(&mut body, n);
    }
    body.push_str(r#"],"links":{"next":"#);
    if end < total {
        let _ = write!(body, r#""/2/teams/{TEAM}/api-keys?page[after]={}&page[size]={PAGE}""#, after + 1);
    } else {
        body.push_str("null");
    }
    body.push_str("}}");
    body
}

/// Serves `total` keys at `/2/teams/bench/api-keys` and one key at
/// `/2/teams/bench/api-keys/{id}`.
pub async fn start(total: usize) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let _ = socket.set_nodelay(true);
            tokio::spawn(serve(socket, total));
        }
    });
    Server { addr, connections }
}

async fn serve(mut socket: TcpStream, total: usize) {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end;
            }
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        buf.drain(..head_end + 4);
        let target = head.split(' ').nth(1).unwrap_or("/");
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let body = if path == format!("/2/teams/{TEAM}/api-keys") {
            let after = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("page%5Bafter%5D=").or_else(|| kv.strip_prefix("page[after]=")))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            page_json(total, after)
        } else {
            let mut one = String::from(r#"{"data":"#);
            key_json(&mut one, 7);
            one.push('}');
            one
        };
        // Rate-limit headers as Honeycomb sends them, with room to spare: no pressure.
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/vnd.api+json\r\nratelimit: limit=1000000, remaining=999999, reset=60\r\nratelimit-policy: 1000000;w=60\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        if socket.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}
