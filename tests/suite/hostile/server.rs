//! A deliberately hostile HTTP/1.1 server on 127.0.0.1, on raw sockets: it answers what a
//! test's handler says (lies, loops, echoes secrets, escape codes), logs every
//! request, and can drop a request that arrives on a connection it let go idle (what a
//! server closing idle keep-alive connections does to a request that crosses its close).

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

use serde_json::Value;

/// A request as the server read it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    /// Shown by `Debug` when a test fails.
    #[allow(dead_code)]
    pub body: Vec<u8>,
}

impl Request {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// A query parameter, percent-decoded.
    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (decode(k) == name).then(|| decode(v))
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the server answers to a request.
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Close the connection instead of answering.
    close: bool,
}

impl Reply {
    /// A JSON:API answer.
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/vnd.api+json".into())],
            body: serde_json::to_vec(&body).unwrap(),
            close: false,
        }
    }

    /// An answer of another media type.
    pub fn text(status: u16, content_type: &str, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.as_bytes().to_vec(),
            close: false,
        }
    }

    /// No answer: the connection is closed.
    pub fn close() -> Reply {
        Reply { status: 0, headers: Vec::new(), body: Vec::new(), close: true }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

pub struct Hostile {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

impl Hostile {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Hostile {
        Hostile::start_closing_idle(None, handler)
    }

    /// A server that, like many, closes keep-alive connections idle for `idle`: a request
    /// that arrives on a connection idle that long is read, then dropped unanswered (the
    /// close crossed it), deterministically rather than by a race.
    pub fn start_closing_idle(
        idle: Option<Duration>,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (log_, stop_) = (log.clone(), stop.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stop_.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (handler, log) = (handler.clone(), log_.clone());
                thread::spawn(move || serve(stream, &*handler, &log, idle));
            }
        });
        Hostile { addr, log, stop }
    }

    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    /// How many requests of `method` arrived (answered or not).
    pub fn count(&self, method: &str) -> usize {
        self.requests().iter().filter(|r| r.method == method).count()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(stream: TcpStream, handler: &Handler, log: &Mutex<Vec<Request>>, idle: Option<Duration>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    let mut last_answer: Option<Instant> = None;
    loop {
        let Some(request) = read_request(&mut reader) else { return };
        log.lock().unwrap().push(request.clone());
        if let (Some(idle), Some(last)) = (idle, last_answer)
            && last.elapsed() >= idle
        {
            return; // the idle close crossed this request: dropped, unanswered
        }
        let Reply { status, headers, body, close } = handler(&request);
        if close {
            return;
        }
        let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        if writer.write_all(head.as_bytes()).and_then(|()| writer.write_all(&body)).is_err() {
            return;
        }
        let _ = writer.flush();
        last_answer = Some(Instant::now());
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request { method, target, headers, body })
}
