//! Servers that misbehave on purpose: one that accepts connections and never
//! reads or answers (TCP or a Unix socket), a port that refuses
//! connections, and one that drops connection attempts as a firewall does.
//! (Collectors that answer badly are in `collector.rs`.)

use std::net::{TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// A port on 127.0.0.1 with nothing listening: connections are refused.
pub fn refused_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

/// A port on 127.0.0.1 behind what looks like a firewall that drops
/// packets: a connection attempt is never answered, so `connect()` hangs
/// until the client's own timeout. Made without touching the machine's
/// firewall: a listener with the shortest accept queue, filled by
/// connections it never accepts; the kernel then drops every new SYN.
pub struct Firewalled {
    _listener: socket2::Socket,
    _filling: Vec<TcpStream>,
    port: u16,
}

impl Firewalled {
    pub fn start() -> Firewalled {
        use socket2::{Domain, Socket, Type};
        let listener = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
        let any_port = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        listener.bind(&any_port.into()).expect("bind");
        listener.listen(0).expect("listen");
        let port = listener
            .local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .expect("an IP listener")
            .port();
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let mut filling = Vec::new();
        // A backlog of 0 admits one or two connections, depending on the
        // kernel; the first attempt that times out shows the queue is full.
        while let Ok(stream) = TcpStream::connect_timeout(&address, Duration::from_millis(300)) {
            filling.push(stream);
            assert!(filling.len() < 64, "the accept queue never filled");
        }
        Firewalled {
            _listener: listener,
            _filling: filling,
            port,
        }
    }

    /// A `/collect` URL on this port.
    pub fn collect_url(&self) -> String {
        format!("http://127.0.0.1:{}/collect", self.port)
    }
}

/// Accepts every connection, reads nothing, answers nothing, and keeps the
/// connection open until dropped. Counts the connections it accepted.
pub struct BlackHole {
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// `http://127.0.0.1:PORT` or the socket's path.
    address: String,
    _socket_dir: Option<tempfile::TempDir>,
}

impl BlackHole {
    /// On a TCP port of 127.0.0.1.
    pub fn tcp() -> BlackHole {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let address = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("addr").port()
        );
        Self::run(address, None, move || {
            listener.accept().map(|(s, _)| Conn::Tcp(s))
        })
    }

    /// On a Unix socket in a fresh directory: a Docker daemon that hangs.
    pub fn unix() -> BlackHole {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&path).expect("bind unix socket");
        listener.set_nonblocking(true).expect("nonblocking");
        let address = path.display().to_string();
        Self::run(address, Some(dir), move || {
            listener.accept().map(|(s, _)| Conn::Unix(s))
        })
    }

    fn run(
        address: String,
        socket_dir: Option<tempfile::TempDir>,
        accept: impl Fn() -> std::io::Result<Conn> + Send + 'static,
    ) -> BlackHole {
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let held = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (accepted, stop) = (Arc::clone(&accepted), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match accept() {
                        Ok(conn) => {
                            accepted.fetch_add(1, Ordering::SeqCst);
                            held.lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .push(conn);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        BlackHole {
            accepted,
            stop,
            thread: Some(thread),
            address,
            _socket_dir: socket_dir,
        }
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// A `/collect` URL on this server (TCP only).
    pub fn collect_url(&self) -> String {
        format!("{}/collect", self.address)
    }

    /// A `DOCKER_HOST` value for this server (Unix socket only).
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.address)
    }

    /// The socket's path (Unix socket only).
    pub fn path(&self) -> PathBuf {
        Path::new(&self.address).to_path_buf()
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[allow(dead_code)] // held only to keep the connection open
enum Conn {
    Tcp(TcpStream),
    Unix(UnixStream),
}
