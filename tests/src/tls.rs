//! A certificate authority made for one test process, and a server
//! certificate it signed for 127.0.0.1 and localhost: what an HTTPS
//! collector needs, and what a client must be told to trust
//! (`SSL_CERT_FILE`) before it talks to one.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, SanType};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The test authority: its certificate as a PEM file, and a server
/// configuration presenting a certificate it signed.
pub struct TestCa {
    ca_file: PathBuf,
    server: Arc<ServerConfig>,
    _dir: tempfile::TempDir,
}

impl TestCa {
    /// The process's one test authority, made on first use.
    pub fn get() -> &'static TestCa {
        static CA: OnceLock<TestCa> = OnceLock::new();
        CA.get_or_init(TestCa::generate)
    }

    fn generate() -> TestCa {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "lumogon tests CA");
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");

        let server_key = KeyPair::generate().expect("server key");
        let mut server_params =
            CertificateParams::new(vec!["localhost".to_owned()]).expect("server params");
        server_params
            .subject_alt_names
            .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        let issuer = Issuer::new(ca_params, ca_key);
        let server_cert = server_params
            .signed_by(&server_key, &issuer)
            .expect("server certificate");

        // In the target directory, not /tmp: the authority lives in a static,
        // which is never dropped, so its directory outlives the process.
        let (target, _) = crate::lumogon::target_and_profile();
        let dir = tempfile::Builder::new()
            .prefix("test-ca-")
            .tempdir_in(target)
            .expect("a directory for the test CA");
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca_cert.pem()).expect("write the CA certificate");

        let chain = vec![CertificateDer::from(server_cert.der().to_vec())];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
        let server =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("TLS versions")
                .with_no_client_auth()
                .with_single_cert(chain, key)
                .expect("server TLS configuration");
        TestCa {
            ca_file,
            server: Arc::new(server),
            _dir: dir,
        }
    }

    /// The authority's certificate, PEM: a value for `SSL_CERT_FILE`.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// A server configuration presenting the certificate for 127.0.0.1.
    pub fn server_config(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.server)
    }
}
