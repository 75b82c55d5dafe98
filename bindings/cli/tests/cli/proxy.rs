//! A TCP proxy in front of the test PostgreSQL server that a test can cut
//! (every connection dropped, new ones refused: what a worker sees while
//! the server restarts or the network is down) and restore on the same
//! port.

use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Proxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    up: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    /// A proxy to `upstream` (host:port), listening on a free local port.
    pub fn start(upstream: &str) -> Proxy {
        let upstream: SocketAddr = upstream.parse().expect("upstream host:port");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let proxy = Proxy {
            addr: listener.local_addr().expect("addr"),
            upstream,
            up: Arc::new(AtomicBool::new(true)),
            streams: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    fn serve(&self, listener: TcpListener) {
        let (up, streams, upstream) = (self.up.clone(), self.streams.clone(), self.upstream);
        listener.set_nonblocking(true).expect("nonblocking");
        std::thread::spawn(move || {
            // The listener closes (refusing connections) once cut.
            while up.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let _ = client.set_nonblocking(false);
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let mut all = streams.lock().unwrap();
                // Cut meanwhile: this connection must not outlive it.
                if !up.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    let _ = server.shutdown(Shutdown::Both);
                    continue;
                }
                for (from, to) in [(&client, &server), (&server, &client)] {
                    let (mut from, mut to) = (from.try_clone().unwrap(), to.try_clone().unwrap());
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
                all.push(client);
                all.push(server);
            }
        });
    }

    /// Drops every connection and refuses new ones.
    pub fn cut(&self) {
        let mut streams = self.streams.lock().unwrap();
        self.up.store(false, Ordering::SeqCst);
        for s in streams.drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
        // Let the accept loop see the flag and close the listener.
        std::thread::sleep(Duration::from_millis(50));
    }

    /// Accepts connections again, on the same port.
    pub fn restore(&self) {
        // The old accept loop may hold the port for a moment longer.
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(self.addr) {
                Ok(l) => break l,
                Err(e) if tries < 100 => {
                    tries += 1;
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => panic!("cannot bind {} again: {e}", self.addr),
            }
        };
        self.up.store(true, Ordering::SeqCst);
        self.serve(listener);
    }
}
