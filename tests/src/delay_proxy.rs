//! A TCP proxy on 127.0.0.1 that puts a wide-area round trip between a
//! client and a server that are both on 127.0.0.1: this kernel has no netem,
//! and collectors are 20–300 ms away where lumogon's users are.
//!
//! **What it emulates.** A path with a fixed one-way delay of half the round
//! trip time (RTT) in each direction, no loss, no bandwidth limit:
//!
//! - The client's `connect()` completes at once: the kernel accepts for the
//!   proxy. So that the handshake still costs its round trip, nothing the
//!   client sends is forwarded before one RTT after the accept (when its
//!   SYN-ACK would have come back), and then only RTT/2 later (the way
//!   there): a client that writes at once is heard RTT × 1.5 after it began
//!   to connect, as on a real path.
//! - Each later chunk is forwarded RTT/2 after the proxy read it, in order,
//!   and so is the end of the stream (a close or a reset reaches the server
//!   as a close); answers come back RTT/2 after the server wrote them.
//!
//! So a client sees the server's first byte 2 RTT after it began to
//! connect, and TCP, a TLS 1.3 handshake and one request each cost one
//! round trip: the answer comes 3 RTT after the start, as on a real network.
//! Bytes a client wrote before it exited still arrive, as packets in flight
//! do.
//!
//! **What it does not.** `connect()` itself takes no time (a client that
//! times its connect, or gives up right after it, sees a connected socket
//! where a real one would still wait for the SYN-ACK); no loss,
//! retransmission, congestion window, bandwidth or MTU; a refused or reset
//! connection to the server reaches the client as a close, not a reset; the
//! proxy's own thread wake-ups (tens of microseconds, more on a busy machine)
//! come on top of the delay.
//!
//! **The gate.** [`DelayProxy::gated`] accepts connections but forwards
//! nothing (and does not connect to the server) until
//! [`DelayProxy::open_gate`]: a test orders events (a client has connected,
//! then something happens, then its bytes may go on) without timing them.
//!
//! It only ever connects to 127.0.0.1 (the target is a port), bounds what it
//! holds ([`MAX_CONNECTIONS`], [`QUEUED_CHUNKS`] of [`CHUNK`] bytes a
//! direction), and on drop closes every connection and joins its threads.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Connections held at once; one more is closed as soon as it is accepted.
pub const MAX_CONNECTIONS: usize = 64;
/// Bytes read at once: one forwarded chunk at most.
pub const CHUNK: usize = 16 * 1024;
/// Chunks waiting for their time, per direction of a connection: past
/// this the proxy stops reading, and TCP's own flow control holds the
/// sender back.
pub const QUEUED_CHUNKS: usize = 16;

/// How long a connection to the server may take (it is on 127.0.0.1: a
/// refusal is immediate, anything longer is a broken machine).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// A running proxy; stopped on drop.
pub struct DelayProxy {
    port: u16,
    rtt: Duration,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl DelayProxy {
    /// A proxy to port `target` of 127.0.0.1 adding `rtt` (one way: half
    /// of it).
    pub fn start(target: u16, rtt: Duration) -> DelayProxy {
        Self::listen(target, rtt, true)
    }

    /// [`DelayProxy::start`] with the gate closed: connections are
    /// accepted, and nothing is forwarded until [`DelayProxy::open_gate`].
    pub fn gated(target: u16, rtt: Duration) -> DelayProxy {
        Self::listen(target, rtt, false)
    }

    fn listen(target: u16, rtt: Duration, open: bool) -> DelayProxy {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind the delay proxy");
        let port = listener.local_addr().expect("an IP listener").port();
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            state: Mutex::new(State {
                gate_open: open,
                accepted: 0,
                live: 0,
            }),
            changed: Condvar::new(),
            connections: Mutex::new(Vec::new()),
        });
        let route = Route {
            target: SocketAddr::from((Ipv4Addr::LOCALHOST, target)),
            rtt,
        };
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || accept_loop(&listener, route, &shared))
        };
        DelayProxy {
            port,
            rtt,
            shared,
            thread: Some(thread),
        }
    }

    /// The port clients connect to, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The round trip this proxy adds.
    pub fn rtt(&self) -> Duration {
        self.rtt
    }

    /// A `/collect` URL through this proxy, for a collector speaking
    /// `scheme` (`http` or `https`; the test certificate names 127.0.0.1).
    pub fn collect_url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}/collect", self.port)
    }

    /// Lets held and later bytes go on, each still delayed as configured
    /// (held bytes count their delay from now).
    pub fn open_gate(&self) {
        self.shared.state().gate_open = true;
        self.shared.changed.notify_all();
    }

    /// Connections accepted so far (including any closed at once for
    /// passing [`MAX_CONNECTIONS`]).
    pub fn accepted(&self) -> usize {
        self.shared.state().accepted
    }

    /// Waits until `n` connections have been accepted, or `timeout` has
    /// passed; says whether they were.
    pub fn wait_for_connections(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.state();
        while state.accepted < n {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            state = self.shared.wait(state, left);
        }
        true
    }
}

impl Drop for DelayProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.changed.notify_all();
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let connections = std::mem::take(
            &mut *self
                .shared
                .connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        // Every blocked read returns once its socket is shut down; every
        // wait for a chunk's time or for the gate sees the flag.
        for connection in &connections {
            connection.shut_down();
        }
        for connection in connections {
            let _ = connection.thread.join();
        }
    }
}

/// Where connections go and how late.
#[derive(Clone, Copy)]
struct Route {
    target: SocketAddr,
    rtt: Duration,
}

/// What the proxy's threads share.
struct Shared {
    stop: AtomicBool,
    state: Mutex<State>,
    /// Signalled when the gate opens, a connection is accepted, or the proxy
    /// stops; timed waits for a chunk's time wait on it too, so that a stop
    /// cuts them short.
    changed: Condvar,
    connections: Mutex<Vec<Connection>>,
}

struct State {
    gate_open: bool,
    accepted: usize,
    live: usize,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&self, state: MutexGuard<'a, State>, at_most: Duration) -> MutexGuard<'a, State> {
        self.changed
            .wait_timeout(state, at_most)
            .unwrap_or_else(PoisonError::into_inner)
            .0
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Waits until the gate is open; `false` if the proxy stops first.
    fn gate(&self) -> bool {
        let mut state = self.state();
        while !state.gate_open {
            if self.stopping() {
                return false;
            }
            state = self.wait(state, Duration::from_millis(100));
        }
        !self.stopping()
    }

    /// Waits until `due`; `false` if the proxy stops first.
    fn until(&self, due: Instant) -> bool {
        let mut state = self.state();
        loop {
            if self.stopping() {
                return false;
            }
            let Some(left) = due.checked_duration_since(Instant::now()) else {
                return true;
            };
            state = self.wait(state, left);
        }
    }
}

/// One accepted connection, as the drop needs it: its sockets, to shut
/// down, and the thread that owns it.
struct Connection {
    client: TcpStream,
    /// Set once the connection to the server is made.
    server: Arc<Mutex<Option<TcpStream>>>,
    thread: JoinHandle<()>,
}

impl Connection {
    fn shut_down(&self) {
        let _ = self.client.shutdown(Shutdown::Both);
        if let Some(server) = &*self.server.lock().unwrap_or_else(PoisonError::into_inner) {
            let _ = server.shutdown(Shutdown::Both);
        }
    }
}

fn accept_loop(listener: &TcpListener, route: Route, shared: &Arc<Shared>) {
    for client in listener.incoming() {
        if shared.stopping() {
            return;
        }
        let Ok(client) = client else { continue };
        let accepted_at = Instant::now();
        let admitted = {
            let mut state = shared.state();
            state.accepted += 1;
            let admitted = state.live < MAX_CONNECTIONS;
            state.live += usize::from(admitted);
            admitted
        };
        shared.changed.notify_all();
        if !admitted {
            continue;
        }
        let mut connections = shared
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Finished connections leave the list here, so that it stays as
        // short as the connections held.
        let (done, running): (Vec<_>, Vec<_>) = std::mem::take(&mut *connections)
            .into_iter()
            .partition(|c| c.thread.is_finished());
        *connections = running;
        for connection in done {
            let _ = connection.thread.join();
        }
        let Ok(registered) = client.try_clone() else {
            shared.state().live -= 1;
            continue;
        };
        let server = Arc::new(Mutex::new(None));
        let thread = {
            let (shared, server) = (Arc::clone(shared), Arc::clone(&server));
            std::thread::spawn(move || {
                relay(client, accepted_at, route, &shared, &server);
                shared.state().live -= 1;
            })
        };
        connections.push(Connection {
            client: registered,
            server,
            thread,
        });
    }
}

/// One connection, from the gate to both ends closed: this thread reads the
/// client; three more write to the server, read it, and write to the
/// client.
fn relay(
    client: TcpStream,
    accepted_at: Instant,
    route: Route,
    shared: &Arc<Shared>,
    slot: &Mutex<Option<TcpStream>>,
) {
    if !shared.gate() {
        return;
    }
    let Ok(server) = TcpStream::connect_timeout(&route.target, CONNECT_TIMEOUT) else {
        // The client learns it as a peer that closed, one round trip on.
        let _ = shared.until(Instant::now() + route.rtt);
        return;
    };
    // Chunks go out when due, not when Nagle's algorithm lets them.
    let _ = server.set_nodelay(true);
    let _ = client.set_nodelay(true);
    let Some(ends) = clones(&client, &server) else {
        return;
    };
    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(ends.registered);
    // Set after the slot, so a drop that missed the slot stops us here.
    if shared.stopping() {
        return;
    }
    let one_way = route.rtt / 2;
    // The client's handshake with us was free; its first bytes pay for it.
    let upstream_from = accepted_at + route.rtt;
    let (to_server, upstream) = sync_channel(QUEUED_CHUNKS);
    let (to_client, downstream) = sync_channel(QUEUED_CHUNKS);
    let threads = [
        spawn_writer(upstream, ends.server_out, ends.client_in_shut, shared),
        spawn_reader(ends.server_in, to_client, move |read_at| read_at + one_way),
        spawn_writer(downstream, ends.client_out, ends.server_in_shut, shared),
    ];
    read_into(client, &to_server, move |read_at| {
        read_at.max(upstream_from) + one_way
    });
    drop(to_server);
    for thread in threads.into_iter().flatten() {
        let _ = thread.join();
    }
}

/// The socket handles the four directions need.
struct Ends {
    registered: TcpStream,
    server_out: TcpStream,
    server_in: TcpStream,
    server_in_shut: TcpStream,
    client_out: TcpStream,
    client_in_shut: TcpStream,
}

fn clones(client: &TcpStream, server: &TcpStream) -> Option<Ends> {
    Some(Ends {
        registered: server.try_clone().ok()?,
        server_out: server.try_clone().ok()?,
        server_in: server.try_clone().ok()?,
        server_in_shut: server.try_clone().ok()?,
        client_out: client.try_clone().ok()?,
        client_in_shut: client.try_clone().ok()?,
    })
}

/// What a reader hands its writer: bytes or the end of the stream, and when
/// to pass it on.
enum Piece {
    Bytes(Vec<u8>, Instant),
    End(Instant),
}

fn spawn_reader(
    from: TcpStream,
    to: SyncSender<Piece>,
    due: impl Fn(Instant) -> Instant + Send + 'static,
) -> Option<JoinHandle<()>> {
    std::thread::Builder::new()
        .spawn(move || read_into(from, &to, due))
        .ok()
}

/// Reads `from` until it ends, stamping each chunk with its due time; stops
/// early when the writer is gone.
fn read_into(mut from: TcpStream, to: &SyncSender<Piece>, due: impl Fn(Instant) -> Instant) {
    let mut buffer = vec![0; CHUNK];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => {
                // A reset ends the stream too: what was read before it is
                // still delivered, as the packets before a reset are.
                let _ = to.send(Piece::End(due(Instant::now())));
                return;
            }
            Ok(n) => {
                let piece = Piece::Bytes(buffer[..n].to_vec(), due(Instant::now()));
                if to.send(piece).is_err() {
                    return;
                }
            }
        }
    }
}

/// Writes each piece to `to` when it is due. When `to` fails (its peer is
/// gone), the reader of the other socket is stopped through `source`, so
/// that it does not wait for bytes nobody will take.
fn spawn_writer(
    pieces: Receiver<Piece>,
    mut to: TcpStream,
    source: TcpStream,
    shared: &Arc<Shared>,
) -> Option<JoinHandle<()>> {
    let shared = Arc::clone(shared);
    std::thread::Builder::new()
        .spawn(move || {
            for piece in pieces {
                match piece {
                    Piece::Bytes(bytes, due) => {
                        if !shared.until(due) || to.write_all(&bytes).is_err() {
                            break;
                        }
                    }
                    Piece::End(due) => {
                        if shared.until(due) {
                            let _ = to.shutdown(Shutdown::Write);
                        }
                        return;
                    }
                }
            }
            let _ = source.shutdown(Shutdown::Read);
        })
        .ok()
}

#[cfg(test)]
mod tests {
    //! Order only, never time: what goes in comes out, whole and in order,
    //! both ways; the gate holds until opened; the drop ends everything.

    use super::*;
    use std::io::BufRead;

    /// A server that echoes each line it reads, upper-cased, until the
    /// client closes; then it says how many bytes it read.
    fn echo_server() -> (u16, JoinHandle<usize>) {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let thread = std::thread::spawn(move || {
            let (stream, _) = listener.accept().expect("accept");
            let mut out = stream.try_clone().expect("clone");
            let mut reader = std::io::BufReader::new(stream);
            let mut total = 0;
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                total += line.len();
                if out.write_all(line.to_uppercase().as_bytes()).is_err() {
                    break;
                }
                line.clear();
            }
            total
        });
        (port, thread)
    }

    #[test]
    fn bytes_go_both_ways_whole_and_in_order_and_the_end_reaches_the_server() {
        let (port, server) = echo_server();
        let proxy = DelayProxy::start(port, Duration::from_millis(2));
        let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, proxy.port())).expect("connect");
        let mut out = stream.try_clone().expect("clone");
        let mut reader = std::io::BufReader::new(stream);
        let big = "x".repeat(3 * CHUNK);
        for line in ["one\n", "two\n", &format!("{big}\n")] {
            out.write_all(line.as_bytes()).expect("write");
            let mut answer = String::new();
            reader.read_line(&mut answer).expect("read");
            assert_eq!(answer, line.to_uppercase());
        }
        out.shutdown(Shutdown::Write).expect("close");
        assert_eq!(server.join().expect("server"), 8 + big.len() + 1);
        assert_eq!(proxy.accepted(), 1);
    }

    #[test]
    fn the_gate_holds_everything_until_opened() {
        let (port, server) = echo_server();
        let proxy = DelayProxy::gated(port, Duration::ZERO);
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, proxy.port())).expect("connect");
        stream.write_all(b"held\n").expect("write");
        stream.shutdown(Shutdown::Write).expect("close");
        assert!(proxy.wait_for_connections(1, Duration::from_secs(30)));
        // Held: the server has not even been connected to, so its accept
        // is still waiting; only the gate lets it go on.
        assert!(!server.is_finished());
        proxy.open_gate();
        assert_eq!(server.join().expect("server"), 5);
    }

    #[test]
    fn a_drop_ends_held_connections_and_their_threads() {
        let (port, _server) = echo_server();
        let proxy = DelayProxy::gated(port, Duration::from_secs(3600));
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, proxy.port())).expect("connect");
        assert!(proxy.wait_for_connections(1, Duration::from_secs(30)));
        drop(proxy);
        // The proxy closed its end: the client reads the end of the stream.
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        assert!(rest.is_empty());
    }
}
