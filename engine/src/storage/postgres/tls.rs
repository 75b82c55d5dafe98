//! TLS for PostgreSQL connections, set in the URL as libpq's `sslmode` and
//! `sslrootcert` are, and made with rustls (pure Rust: building hyperspace
//! or its Python wheel needs no OpenSSL headers).
//!
//! tokio-postgres reads `sslmode` itself but knows only `disable`, `prefer`
//! and `require`, and not `sslrootcert`; so both are taken out of the URL
//! here and the connector is built to match libpq:
//!
//! | sslmode       | encrypted               | server certificate checked      |
//! |---------------|-------------------------|---------------------------------|
//! | (none)        | no, as before TLS came  | —                               |
//! | `disable`     | no                      | —                               |
//! | `prefer`      | if the server offers it | no                              |
//! | `require`     | yes                     | no (chain only with sslrootcert)|
//! | `verify-ca`   | yes                     | chain to `sslrootcert`          |
//! | `verify-full` | yes                     | chain and host name             |
//!
//! The verifying modes read their roots from `sslrootcert`, else from
//! `~/.postgresql/root.crt`, as libpq does.

use crate::storage::url::redact;
use crate::Error;
use postgres::config::SslMode as WireMode;
use postgres::{Client, Config, NoTls};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// libpq's `sslmode`, the values hyperspace accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "disable" => Self::Disable,
            "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            _ => return None,
        })
    }
}

/// How a storage connects: plain, or through a rustls connector built once
/// from the URL (so that reconnecting reads no file again).
#[derive(Clone)]
pub(super) struct Tls {
    mode: Option<SslMode>,
    connector: Option<MakeRustlsConnect>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").field("mode", &self.mode).finish()
    }
}

impl Tls {
    /// Takes `sslmode` and `sslrootcert` out of a `postgres://` URL: the
    /// rest of the URL, for `Config::from_str`, and the TLS settings.
    pub(super) fn from_url(url: &str) -> Result<(String, Tls), Error> {
        let bad = |reason: String| Error::StorageUrl {
            url: redact(url),
            reason,
        };
        let (main, query) = match url.split_once('?') {
            Some((main, query)) => (main, query),
            None => (url, ""),
        };
        let mut mode = None;
        let mut root: Option<PathBuf> = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "sslmode" => {
                    mode = Some(SslMode::parse(&percent_decode(value)).ok_or_else(|| {
                        bad(format!(
                            "sslmode={value} is not one hyperspace knows; use disable, prefer, require, verify-ca or verify-full"
                        ))
                    })?);
                }
                "sslrootcert" => root = Some(PathBuf::from(percent_decode(value))),
                _ => kept.push(pair),
            }
        }
        let rest = if kept.is_empty() {
            main.to_string()
        } else {
            format!("{main}?{}", kept.join("&"))
        };
        let connector = match mode {
            None | Some(SslMode::Disable) => None,
            Some(mode) => Some(connector(mode, root.as_deref()).map_err(bad)?),
        };
        Ok((rest, Tls { mode, connector }))
    }

    /// Tells tokio-postgres whether to ask the server for TLS.
    pub(super) fn configure(&self, config: &mut Config) {
        config.ssl_mode(match self.mode {
            None | Some(SslMode::Disable) => WireMode::Disable,
            Some(SslMode::Prefer) => WireMode::Prefer,
            Some(_) => WireMode::Require,
        });
    }

    /// A connection as the URL asked. `prefer` falls back to a plain one
    /// when the TLS handshake fails, as libpq does.
    pub(super) fn connect(&self, config: &Config) -> Result<Client, postgres::Error> {
        let Some(connector) = &self.connector else {
            return config.connect(NoTls);
        };
        match config.connect(connector.clone()) {
            Err(e) if self.mode == Some(SslMode::Prefer) && is_handshake(&e) => {
                let mut plain = config.clone();
                plain.ssl_mode(WireMode::Disable);
                plain.connect(NoTls)
            }
            other => other,
        }
    }
}

/// Whether a connection failed in the TLS handshake (tokio-postgres has no
/// public error kind; its message for this kind is fixed).
pub(super) fn is_handshake(e: &postgres::Error) -> bool {
    e.as_db_error().is_none() && e.to_string() == "error performing TLS handshake"
}

/// The rustls connector for a mode that encrypts.
fn connector(mode: SslMode, root: Option<&Path>) -> Result<MakeRustlsConnect, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?;
    let verify = match mode {
        SslMode::VerifyCa | SslMode::VerifyFull => true,
        // libpq: with a root certificate at hand, require checks the chain.
        SslMode::Require => root.is_some(),
        SslMode::Prefer | SslMode::Disable => false,
    };
    let verifier: Arc<dyn ServerCertVerifier> = if verify {
        let roots = Arc::new(roots(mode, root)?);
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| format!("cannot use the root certificates: {e}"))?;
        if mode == SslMode::VerifyFull {
            webpki
        } else {
            Arc::new(ChainOnly(webpki))
        }
    } else {
        Arc::new(Unchecked(provider))
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// The trusted roots: `sslrootcert`, else `~/.postgresql/root.crt`.
fn roots(mode: SslMode, root: Option<&Path>) -> Result<RootCertStore, String> {
    let home = std::env::var_os("HOME").map(|h| Path::new(&h).join(".postgresql/root.crt"));
    let path = match (root, home) {
        (Some(path), _) => path.to_path_buf(),
        (None, Some(home)) if home.exists() => home,
        _ => {
            let mode = if mode == SslMode::VerifyFull {
                "verify-full"
            } else {
                "verify-ca"
            };
            return Err(format!(
                "sslmode={mode} checks the server's certificate against a root certificate: name the CA's file with sslrootcert=/path/to/root.crt (or put it in ~/.postgresql/root.crt), or use sslmode=require to encrypt without checking"
            ));
        }
    };
    let shown = path.display();
    let certs = CertificateDer::pem_file_iter(&path)
        .map_err(|e| format!("cannot read the root certificate file {shown}: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the root certificate file {shown} is not PEM certificates: {e}"))?;
    let mut store = RootCertStore::empty();
    let (added, _ignored) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err(format!(
            "the root certificate file {shown} holds no usable certificate (PEM, -----BEGIN CERTIFICATE-----)"
        ));
    }
    Ok(store)
}

/// `verify-ca` (and `require` with a root): the chain must lead to a
/// trusted root, the host name need not match. webpki checks the chain
/// before the name, so a name error means the chain was good.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer` and `require` without a root: encrypted, certificate not
/// checked (libpq's meaning), though the handshake's signatures still are.
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
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
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `%XX` escapes decoded (a path with spaces in a URL); anything that is
/// not a valid escape is kept as it is.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| {
            std::str::from_utf8(h)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        });
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl_settings_leave_the_url_and_others_stay() {
        let (rest, tls) =
            Tls::from_url("postgres://ann:pw@h/db?sslmode=prefer&connect_timeout=3").unwrap();
        assert_eq!(rest, "postgres://ann:pw@h/db?connect_timeout=3");
        assert_eq!(tls.mode, Some(SslMode::Prefer));
        let (rest, tls) = Tls::from_url("postgres://h/db").unwrap();
        assert_eq!(rest, "postgres://h/db");
        assert_eq!(tls.mode, None);
        assert!(tls.connector.is_none());
        let (rest, tls) = Tls::from_url("postgres://h/db?sslmode=disable").unwrap();
        assert_eq!(rest, "postgres://h/db");
        assert_eq!(tls.mode, Some(SslMode::Disable));
    }

    #[test]
    fn bad_ssl_settings_are_explained_without_the_password() {
        let text = Tls::from_url("postgres://ann:s3cret@h/db?sslmode=verify")
            .unwrap_err()
            .to_string();
        assert!(text.contains("verify-full"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
        let text = Tls::from_url(
            "postgres://ann:s3cret@h/db?sslmode=verify-full&sslrootcert=/no/such%20file.crt",
        )
        .unwrap_err()
        .to_string();
        assert!(text.contains("/no/such file.crt"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
    }

    #[test]
    fn percent_escapes_are_decoded() {
        assert_eq!(percent_decode("a%20b%2Fc"), "a b/c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
