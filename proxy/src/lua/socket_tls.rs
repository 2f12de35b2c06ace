//! TLS for `Socket:connect_ssl`, on rustls (ring provider). Certificates are verified against
//! the Mozilla roots (`webpki-roots`) unless the configuration says `ssl-server-verify none`,
//! which accepts any certificate (signatures of the handshake are still checked).
//!
//! The client configurations are built once per thread and shared by every socket.

use std::cell::RefCell;
use std::io;
use std::net::IpAddr;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

thread_local! {
    /// [verifying, not verifying], built on first use.
    static CONFIGS: RefCell<[Option<Arc<ClientConfig>>; 2]> = const { RefCell::new([None, None]) };
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn build(verify: bool) -> io::Result<Arc<ClientConfig>> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?;
    let config = if verify {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(
                provider.signature_verification_algorithms,
            )))
            .with_no_client_auth()
    };
    Ok(Arc::new(config))
}

fn config(verify: bool) -> io::Result<Arc<ClientConfig>> {
    CONFIGS.with(|c| {
        let mut c = c.borrow_mut();
        let slot = &mut c[usize::from(!verify)];
        if let Some(cfg) = slot {
            return Ok(cfg.clone());
        }
        let cfg = build(verify)?;
        *slot = Some(cfg.clone());
        Ok(cfg)
    })
}

/// The name the certificate must carry: the host as given (an IP literal or a DNS name).
pub fn server_name(host: &str) -> Option<ServerName<'static>> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Some(ServerName::IpAddress(ip.into()));
    }
    ServerName::try_from(host.to_string()).ok()
}

/// Runs the TLS handshake over a connected TCP stream.
pub async fn handshake(
    tcp: TcpStream,
    name: ServerName<'static>,
    verify: bool,
) -> io::Result<TlsStream<TcpStream>> {
    TlsConnector::from(config(verify)?).connect(name, tcp).await
}

/// LuaSec-like wording for a failed handshake.
pub fn error_message(e: &io::Error) -> String {
    if let Some(inner) = e.get_ref()
        && let Some(tls) = inner.downcast_ref::<rustls::Error>()
    {
        return match tls {
            rustls::Error::InvalidCertificate(c) => format!("certificate verify failed: {c:?}"),
            other => format!("tls: {other}"),
        };
    }
    super::socket_conn::io_message(e)
}

/// `ssl-server-verify none`: every certificate is accepted.
#[derive(Debug)]
struct AnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}
