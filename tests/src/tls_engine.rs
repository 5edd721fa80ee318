//! A Docker engine behind TLS with client certificates, as `dockerd
//! --tlsverify` listens: a rustls server on 127.0.0.1 that accepts only
//! clients whose certificate its own authority signed, and forwards each
//! connection's bytes to the machine's daemon on its Unix socket. It counts
//! the connections it accepted and the handshakes that succeeded, so a test
//! can tell which way lumogon went.
//!
//! The authority is this module's own (not [`crate::tls::TestCa`], which
//! keeps no key to sign clients with), and a second, foreign one signs
//! client certificates the engine must refuse.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, SanType,
};
use rustls::RootCertStore;
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;

const DAEMON: &str = "/var/run/docker.sock";

/// A certificate authority that can sign servers and clients.
struct Authority {
    issuer: Issuer<'static, KeyPair>,
    der: CertificateDer<'static>,
    pem: String,
}

impl Authority {
    fn new(name: &str) -> Authority {
        let key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let cert = params.self_signed(&key).expect("CA certificate");
        Authority {
            der: CertificateDer::from(cert.der().to_vec()),
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf certificate and its key (PKCS#8), both PEM and DER.
    fn sign(&self, name: &str, usage: ExtendedKeyUsagePurpose) -> Leaf {
        let key = KeyPair::generate().expect("leaf key");
        let mut params = CertificateParams::new(vec![name.to_owned()]).expect("leaf params");
        if usage == ExtendedKeyUsagePurpose::ServerAuth {
            // Clients dial 127.0.0.1, not a name.
            params
                .subject_alt_names
                .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        }
        params.extended_key_usages = vec![usage];
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("leaf certificate");
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            cert_der: CertificateDer::from(cert.der().to_vec()),
            key_der: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        }
    }
}

struct Leaf {
    cert_pem: String,
    key_pem: String,
    cert_der: CertificateDer<'static>,
    key_der: PrivateKeyDer<'static>,
}

/// A running TLS engine; stopped on drop.
pub struct TlsEngine {
    port: u16,
    connections: Arc<AtomicUsize>,
    handshakes: Arc<AtomicUsize>,
    runtime: Option<tokio::runtime::Runtime>,
    dir: tempfile::TempDir,
}

impl TlsEngine {
    /// Makes the authorities and the certificates, and starts listening on
    /// a free port of 127.0.0.1.
    pub fn start() -> TlsEngine {
        let ca = Authority::new("lumogon tests engine CA");
        let foreign = Authority::new("lumogon tests foreign CA");
        let server = ca.sign("localhost", ExtendedKeyUsagePurpose::ServerAuth);
        let client = ca.sign("client", ExtendedKeyUsagePurpose::ClientAuth);
        let stranger = foreign.sign("client", ExtendedKeyUsagePurpose::ClientAuth);

        let dir = tempfile::tempdir().expect("tempdir");
        write_certs(&dir.path().join("client"), &ca.pem, &client);
        write_certs(&dir.path().join("foreign"), &ca.pem, &stranger);

        let config = server_config(&ca, server);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the TLS engine");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind the TLS engine");
        let port = listener.local_addr().expect("addr").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let handshakes = Arc::new(AtomicUsize::new(0));
        runtime.spawn(serve(
            listener,
            tokio_rustls::TlsAcceptor::from(config),
            Arc::clone(&connections),
            Arc::clone(&handshakes),
        ));
        TlsEngine {
            port,
            connections,
            handshakes,
            runtime: Some(runtime),
            dir,
        }
    }

    /// `tcp://127.0.0.1:PORT`.
    pub fn docker_host(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    /// A `DOCKER_CERT_PATH`: `ca.pem` (the engine's authority), and a
    /// `cert.pem` and `key.pem` it signed.
    pub fn cert_path(&self) -> PathBuf {
        self.dir.path().join("client")
    }

    /// A `DOCKER_CERT_PATH` whose `ca.pem` trusts the engine but whose
    /// client certificate another authority signed.
    pub fn foreign_cert_path(&self) -> PathBuf {
        self.dir.path().join("foreign")
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// TLS handshakes that succeeded (a client certificate accepted).
    pub fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }
}

impl Drop for TlsEngine {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn write_certs(dir: &Path, ca_pem: &str, leaf: &Leaf) {
    std::fs::create_dir_all(dir).expect("cert dir");
    std::fs::write(dir.join("ca.pem"), ca_pem).expect("ca.pem");
    std::fs::write(dir.join("cert.pem"), &leaf.cert_pem).expect("cert.pem");
    std::fs::write(dir.join("key.pem"), &leaf.key_pem).expect("key.pem");
}

fn server_config(ca: &Authority, server: Leaf) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(ca.der.clone()).expect("trust the test CA");
    let verifier =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
            .build()
            .expect("a client verifier");
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![server.cert_der], server.key_der)
        .expect("server TLS configuration");
    Arc::new(config)
}

async fn serve(
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    connections: Arc<AtomicUsize>,
    handshakes: Arc<AtomicUsize>,
) {
    while let Ok((tcp, _)) = listener.accept().await {
        connections.fetch_add(1, Ordering::SeqCst);
        let acceptor = acceptor.clone();
        let handshakes = Arc::clone(&handshakes);
        tokio::spawn(async move {
            let Ok(mut tls) = acceptor.accept(tcp).await else {
                return;
            };
            handshakes.fetch_add(1, Ordering::SeqCst);
            let Ok(mut daemon) = tokio::net::UnixStream::connect(DAEMON).await else {
                return;
            };
            let _ = tokio::io::copy_bidirectional(&mut tls, &mut daemon).await;
        });
    }
}
