//! TLS to the server: `sslmode` and `sslrootcert` in the URL, read as libpq reads them, with
//! rustls (and ring: no system OpenSSL).
//!
//! The two parameters are taken out of the URL before `postgres::Config` parses the rest (it
//! knows only `disable`, `prefer` and `require`, and no `sslrootcert`). What each mode checks:
//!
//! - `disable` (the default when the URL says nothing, as before): no TLS.
//! - `prefer`: TLS when the server offers it, else plain; the certificate is not checked.
//! - `require`: TLS or no connection; the certificate is not checked, unless `sslrootcert` is
//!   given: then as `verify-ca` (as libpq does).
//! - `verify-ca`: TLS, and the server's certificate must chain to a CA in `sslrootcert`.
//! - `verify-full`: as `verify-ca`, and the certificate must name the host of the URL.
//!
//! `sslrootcert` is a PEM file of CA certificates, or `system` for Mozilla's roots (compiled in,
//! from `webpki-roots`). `verify-ca` and `verify-full` need it: there is no default file.

use std::fmt;
use std::sync::Arc;

use appmarket::Error;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode, Error> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            "allow" => {
                return Err(storage(
                    "sslmode=allow is not supported: use disable, prefer, require, verify-ca or verify-full",
                ));
            }
            other => {
                return Err(storage(format!(
                    "`{other}` is not an sslmode: use disable, prefer, require, verify-ca or verify-full"
                )));
            }
        })
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        })
    }
}

fn storage(reason: impl Into<String>) -> Error {
    Error::Storage { reason: reason.into() }
}

/// The TLS settings of a store: how its connections are opened, and what their errors mean.
#[derive(Clone)]
pub(crate) struct Tls {
    pub(crate) mode: SslMode,
    root_cert: Option<String>,
    /// `None` under `disable`.
    pub(crate) connector: Option<MakeRustlsConnect>,
}

/// The URL without `sslmode` and `sslrootcert`, and their values.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Split {
    pub(crate) rest: String,
    pub(crate) sslmode: Option<String>,
    pub(crate) sslrootcert: Option<String>,
}

/// Takes `sslmode` and `sslrootcert` out of a URL (`postgresql://…?sslmode=…`) or a key-value
/// string (`host=… sslmode=…`).
pub(crate) fn split(url: &str) -> Split {
    let mut out = Split { rest: String::new(), sslmode: None, sslrootcert: None };
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let Some((base, query)) = url.split_once('?') else {
            out.rest = url.to_owned();
            return out;
        };
        let mut kept = Vec::new();
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "sslmode" => out.sslmode = Some(percent_decode(value)),
                "sslrootcert" => out.sslrootcert = Some(percent_decode(value)),
                _ => kept.push(pair),
            }
        }
        out.rest = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
        return out;
    }
    // key = value pairs; a value may be 'quoted', with \' and \\ escaped.
    let bytes = url.as_bytes();
    let mut kept: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &url[start..i];
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let quoted = i < bytes.len() && bytes[i] == b'\'';
            if quoted {
                i += 1;
            }
            let mut raw = Vec::new();
            while i < bytes.len() {
                let b = bytes[i];
                if quoted && b == b'\'' {
                    i += 1;
                    break;
                }
                if !quoted && b.is_ascii_whitespace() {
                    break;
                }
                if b == b'\\' && i + 1 < bytes.len() {
                    i += 1;
                }
                raw.push(bytes[i]);
                i += 1;
            }
            value = String::from_utf8_lossy(&raw).into_owned();
        }
        match key {
            "sslmode" => out.sslmode = Some(value),
            "sslrootcert" => out.sslrootcert = Some(value),
            _ => kept.push(&url[start..i]),
        }
    }
    out.rest = kept.join(" ");
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
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

/// ring's provider: it builds with a C compiler alone (aws-lc-rs, which rustls 0.23.48 prefers
/// for its post-quantum key exchange, needs more to build). Its key exchanges (X25519, P-256,
/// P-384) are the classical ones.
#[allow(deprecated)]
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl Tls {
    /// The TLS settings `sslmode` and `sslrootcert` ask for (absent `sslmode`: `disable`). A CA
    /// file that cannot be read, or a verifying mode without one, is an [`Error::Storage`].
    pub(crate) fn new(sslmode: Option<&str>, sslrootcert: Option<&str>) -> Result<Tls, Error> {
        let mode = sslmode.map(SslMode::parse).transpose()?.unwrap_or(SslMode::Disable);
        let root_cert = sslrootcert.filter(|s| !s.is_empty()).map(str::to_owned);
        if mode == SslMode::Disable {
            return Ok(Tls { mode, root_cert, connector: None });
        }
        let provider = provider();
        let verify = match (mode, &root_cert) {
            (SslMode::VerifyCa | SslMode::VerifyFull, None) => {
                return Err(storage(format!(
                    "sslmode={mode} needs the CA to check the server's certificate with: add \
                     sslrootcert=<path of a PEM file> (or sslrootcert=system) to the URL"
                )));
            }
            (SslMode::Disable | SslMode::Prefer, _) | (SslMode::Require, None) => None,
            (_, Some(path)) => Some(roots(path)?),
        };
        let verifier: Arc<dyn ServerCertVerifier> = match verify {
            None => Arc::new(Unchecked(provider.clone())),
            Some(roots) => {
                let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|e| storage(format!("cannot use the CA certificates of sslrootcert: {e}")))?;
                if mode == SslMode::VerifyFull { webpki } else { Arc::new(ChainOnly(webpki)) }
            }
        };
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| storage(format!("cannot set up TLS: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Tls { mode, root_cert, connector: Some(MakeRustlsConnect::new(config)) })
    }

    /// What `postgres::Config` is told: it knows no verifying modes (the verifier checks).
    pub(crate) fn config_mode(&self) -> postgres::config::SslMode {
        match self.mode {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            _ => postgres::config::SslMode::Require,
        }
    }

    /// What a failed connection's TLS error means, if it is one: a certificate for another
    /// host, one not signed by the CA, a server without TLS.
    pub(crate) fn explain(&self, at: &str, host: &str, e: &postgres::Error) -> Option<String> {
        let mode = self.mode;
        if let Some(rustls_error) = find_rustls_error(e) {
            let ca = match self.root_cert.as_deref() {
                Some("system") => "the system's root CAs (sslrootcert=system)".to_owned(),
                Some(path) => format!("the CA in sslrootcert ({path})"),
                None => "a known CA".to_owned(),
            };
            return Some(match rustls_error {
                rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
                ) => {
                    let names = match rustls_error {
                        rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
                            presented,
                            ..
                        }) if !presented.is_empty() => format!(" (it names {})", presented.join(", ")),
                        _ => String::new(),
                    };
                    format!(
                        "the server's certificate is not for host `{host}`{names} (sslmode={mode}, PostgreSQL at \
                         {at}): connect by a name the certificate holds, or fix the certificate"
                    )
                }
                rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer | CertificateError::BadSignature) => {
                    format!(
                        "the server's certificate is not signed by {ca} (sslmode={mode}, PostgreSQL at {at}): point \
                         sslrootcert at the CA that signed the server's certificate"
                    )
                }
                rustls::Error::InvalidCertificate(other) => format!(
                    "the server's certificate was refused: {other:?} (sslmode={mode}, CA: {ca}, PostgreSQL at {at})"
                ),
                other => format!("the TLS handshake with PostgreSQL at {at} failed (sslmode={mode}): {other}"),
            });
        }
        let mut no_tls = false;
        let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(err) = next {
            no_tls |= err.to_string().contains("server does not support TLS");
            next = err.source();
        }
        if no_tls {
            return Some(format!(
                "the server does not accept TLS (sslmode={mode}): PostgreSQL at {at} has ssl off; turn it on \
                 (ssl_cert_file, ssl_key_file) or lower sslmode"
            ));
        }
        None
    }
}

/// The rustls error in an error's sources (tokio-rustls wraps it in an `io::Error`).
fn find_rustls_error(e: &postgres::Error) -> Option<&rustls::Error> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(err) = next {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && let Some(r) = io.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(r);
        }
        next = err.source();
    }
    None
}

/// The CA certificates of `sslrootcert`: a PEM file, or `system`.
fn roots(path: &str) -> Result<RootCertStore, Error> {
    if path == "system" {
        return Ok(RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() });
    }
    let mut roots = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| storage(format!("cannot read the CA certificates of sslrootcert ({path}): {e}")))?;
    if certs.is_empty() {
        return Err(storage(format!("sslrootcert ({path}) holds no PEM certificate")));
    }
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| storage(format!("sslrootcert ({path}) holds a certificate rustls cannot use: {e}")))?;
    }
    Ok(roots)
}

/// `verify-ca`: the chain to the CA is checked, the host name is not. WebPKI checks the chain
/// before the name, so "not valid for this name" means the chain was good.
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
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
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

/// `prefer`, and `require` without `sslrootcert`: the connection is encrypted, the certificate
/// is not checked (as libpq); the handshake's signatures still are.
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
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_tls_parameters_out_of_a_url() {
        let s = split(
            "postgresql://u:p@localhost:5432/db?sslmode=verify-full&application_name=x&sslrootcert=%2Ftmp%2Fca.pem",
        );
        assert_eq!(s.rest, "postgresql://u:p@localhost:5432/db?application_name=x");
        assert_eq!(s.sslmode.as_deref(), Some("verify-full"));
        assert_eq!(s.sslrootcert.as_deref(), Some("/tmp/ca.pem"));
        let s = split("postgresql://u@h/db?sslmode=require");
        assert_eq!(s.rest, "postgresql://u@h/db");
        let s = split("postgresql://u@h/db");
        assert_eq!((s.rest.as_str(), s.sslmode), ("postgresql://u@h/db", None));
    }

    #[test]
    fn takes_the_tls_parameters_out_of_key_value_pairs() {
        let s = split("host=h sslmode = verify-ca user=u sslrootcert='/a dir/ca\\'s.pem' password='x y'");
        assert_eq!(s.rest, "host=h user=u password='x y'");
        assert_eq!(s.sslmode.as_deref(), Some("verify-ca"));
        assert_eq!(s.sslrootcert.as_deref(), Some("/a dir/ca's.pem"));
    }

    #[test]
    fn a_verifying_mode_needs_a_ca_and_an_unknown_mode_is_refused() {
        let Err(Error::Storage { reason }) = Tls::new(Some("verify-full"), None) else { panic!("accepted") };
        assert!(reason.contains("sslrootcert"), "{reason}");
        let Err(Error::Storage { reason }) = Tls::new(Some("bogus"), None) else { panic!("accepted") };
        assert!(reason.contains("not an sslmode"), "{reason}");
        let Err(Error::Storage { reason }) = Tls::new(Some("verify-ca"), Some("/nonexistent/ca.pem")) else {
            panic!("accepted")
        };
        assert!(reason.contains("/nonexistent/ca.pem"), "{reason}");
        assert!(Tls::new(None, None).unwrap().connector.is_none());
        assert!(Tls::new(Some("require"), None).unwrap().connector.is_some());
        assert!(Tls::new(Some("verify-full"), Some("system")).unwrap().connector.is_some());
    }
}
