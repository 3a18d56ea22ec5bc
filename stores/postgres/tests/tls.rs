//! TLS to PostgreSQL (`sslmode`, `sslrootcert`): a throw-away cluster of the test's own with
//! `ssl=on` and a certificate for `localhost` signed by a CA the test generates, started with
//! the test server's binaries (`APPMARKET_PG_BIN`, else Debian's or the `PATH`'s) as the same
//! OS user (`APPMARKET_PG_USER` when root). Its `pg_hba.conf` lets in TLS connections only, so a
//! store that opens there spoke TLS. Without PostgreSQL binaries the test skips loudly, except
//! under `CI=true`, where it fails.

mod common;

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_postgres::PostgresStore;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};

/// A CA: its certificate (PEM) and what signs with it.
struct Ca {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn new_ca(name: &str) -> Ca {
    let key = KeyPair::generate().expect("a CA key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let cert = params.self_signed(&key).expect("the CA certificate");
    Ca { pem: cert.pem(), issuer: Issuer::new(params, key) }
}

/// Where PostgreSQL's binaries are, as `.ci/postgres.sh` finds them.
fn pg_bin() -> Option<PathBuf> {
    if let Ok(bin) = std::env::var("APPMARKET_PG_BIN")
        && Path::new(&bin).join("pg_ctl").exists()
    {
        return Some(bin.into());
    }
    let mut debian: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("pg_ctl").exists())
        .collect();
    debian.sort_by_key(|b| {
        b.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok())
    });
    if let Some(bin) = debian.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .find(|d| d.join("pg_ctl").exists())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// A cluster with `ssl=on`, stopped and removed when dropped.
struct TlsServer {
    dir: PathBuf,
    bin: PathBuf,
    owner: Option<String>,
    port: u16,
}

impl TlsServer {
    /// The command `program args` as the server's owner (initdb and postgres refuse root).
    fn as_owner(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match &self.owner {
            Some(owner) => {
                let mut c = Command::new("runuser");
                c.args(["-u", owner, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    fn start(ca: &Ca) -> Option<TlsServer> {
        let Some(bin) = pg_bin() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "no PostgreSQL binaries (pg_ctl) and CI=true: the TLS tests must run"
            );
            eprintln!("\n*** SKIPPED: no PostgreSQL binaries (pg_ctl) to start a TLS test server. ***\n");
            return None;
        };
        let owner = is_root()
            .then(|| std::env::var("APPMARKET_PG_USER").ok().filter(|u| !u.is_empty() && u != "root"))
            .map(|u| u.unwrap_or_else(|| "postgres".into()));
        let dir = std::env::temp_dir().join(format!(
            "appmarket-pg-tls-{}-{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
        ));
        fs::create_dir(&dir).expect("the cluster's directory");
        let mut server = TlsServer { dir: dir.clone(), bin, owner, port: 0 };

        let key = KeyPair::generate().expect("the server key");
        let params = CertificateParams::new(vec!["localhost".to_owned()]).expect("server params");
        let cert = params.signed_by(&key, &ca.issuer).expect("the server certificate");
        fs::write(dir.join("server.crt"), cert.pem()).unwrap();
        fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
        chmod(&dir, "700");
        chmod(&dir.join("server.key"), "600");
        if let Some(owner) = &server.owner {
            let status = Command::new("chown").args(["-R", &format!("{owner}:")]).arg(&dir).status().unwrap();
            assert!(status.success(), "chown the cluster's directory to {owner}");
        }

        let data = dir.join("data");
        let out = server
            .as_owner("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "appmarket", "--auth=trust", "--encoding=UTF8", "--no-locale"])
            .stdin(Stdio::null())
            .output()
            .expect("run initdb");
        assert!(out.status.success(), "initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        // TLS connections only: a store that opens spoke TLS.
        fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n",
        )
        .unwrap();
        for _ in 0..10 {
            let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let mut conf = fs::OpenOptions::new().append(true).open(data.join("postgresql.conf")).unwrap();
            write!(
                conf,
                "\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{dir}'\nssl = on\n\
                 ssl_cert_file = '{dir}/server.crt'\nssl_key_file = '{dir}/server.key'\n",
                dir = dir.display()
            )
            .unwrap();
            let started = server
                .as_owner("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(dir.join("server.log"))
                .args(["-w", "-t", "30", "start"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("run pg_ctl");
            if started.success() {
                server.port = port;
                return Some(server);
            }
        }
        panic!("the TLS test server did not start: {}", fs::read_to_string(dir.join("server.log")).unwrap_or_default());
    }

    fn url(&self, host: &str, query: &str) -> String {
        format!("postgresql://appmarket@{host}:{}/postgres?{query}", self.port)
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        if self.port != 0 {
            let _ = self
                .as_owner("pg_ctl")
                .arg("-D")
                .arg(self.dir.join("data"))
                .args(["-m", "immediate", "-w", "stop"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn chmod(path: &Path, mode: &str) {
    assert!(Command::new("chmod").arg(mode).arg(path).status().unwrap().success(), "chmod {mode} {path:?}");
}

fn open(url: &str) -> Result<PostgresStore, Error> {
    PostgresStore::builder(url).schema(common::fresh_schema("tls")).pool_size(2).open()
}

fn refused(url: &str) -> String {
    match open(url) {
        Err(Error::Storage { reason }) => reason,
        Err(other) => panic!("expected a storage error, got {other}"),
        Ok(_) => panic!("expected a storage error, got a store ({url})"),
    }
}

/// A store opens and a marketplace command commits on it.
fn works(url: &str) {
    let store = open(url).unwrap_or_else(|e| panic!("open {url}: {e}"));
    let market = Marketplace::builder()
        .store(std::sync::Arc::new(store))
        .clock(ManualClock::new(fixtures::t0()))
        .build()
        .expect("build");
    market.list_product(Actor::seller("isv-1").unwrap(), fixtures::saas_draft()).expect("a command commits over TLS");
    market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice").unwrap())).expect("and another");
}

/// One test function: the cluster is started once for every case.
#[test]
fn tls_modes_against_a_server_with_ssl_on() {
    let ca = new_ca("appmarket test CA");
    let Some(server) = TlsServer::start(&ca) else { return };
    let dir = tempdir_for_cas();
    let ca_file = dir.join("ca.pem");
    fs::write(&ca_file, &ca.pem).unwrap();
    let other_ca_file = dir.join("other-ca.pem");
    fs::write(&other_ca_file, new_ca("another CA").pem).unwrap();
    let ca_path = ca_file.display().to_string();
    let other_path = other_ca_file.display().to_string();

    // verify-full: the chain and the host name.
    works(&server.url("localhost", &format!("sslmode=verify-full&sslrootcert={ca_path}")));

    // A host name the certificate does not hold.
    let reason = refused(&server.url("127.0.0.1", &format!("sslmode=verify-full&sslrootcert={ca_path}")));
    assert!(reason.contains("not for host `127.0.0.1`") && reason.contains("localhost"), "{reason}");

    // verify-ca checks the chain only.
    works(&server.url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={ca_path}")));

    // A certificate not signed by the CA in sslrootcert.
    for mode in ["verify-full", "verify-ca", "require"] {
        let reason = refused(&server.url("localhost", &format!("sslmode={mode}&sslrootcert={other_path}")));
        assert!(
            reason.contains(&format!("not signed by the CA in sslrootcert ({other_path})"))
                && reason.contains(&format!("sslmode={mode}")),
            "{mode}: {reason}"
        );
    }
    let reason = refused(&server.url("localhost", "sslmode=verify-full&sslrootcert=system"));
    assert!(reason.contains("not signed by the system's root CAs"), "{reason}");

    // require and prefer encrypt without checking the certificate (the server takes TLS only).
    works(&server.url("127.0.0.1", "sslmode=require"));
    works(&server.url("127.0.0.1", "sslmode=prefer"));

    // No TLS: this server's pg_hba.conf refuses it.
    let reason = refused(&server.url("localhost", "sslmode=disable"));
    assert!(reason.contains("pg_hba.conf") || reason.contains("no encryption"), "{reason}");
    let _ = fs::remove_dir_all(dir);
}

fn tempdir_for_cas() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("appmarket-tls-cas-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn with_query(url: &str, query: &str) -> String {
    format!("{url}{}{query}", if url.contains('?') { '&' } else { '?' })
}

/// The test server (`.ci/postgres.sh`) has ssl off: `require` is refused, `prefer` and
/// `disable` connect in plain text.
#[test]
fn require_is_refused_by_a_server_without_tls() {
    let Some(url) = common::url() else { return };
    let reason = refused(&with_query(&url, "sslmode=require"));
    assert!(reason.contains("the server does not accept TLS (sslmode=require)"), "{reason}");
    if let Some(password) =
        url.split_once("://").and_then(|(_, r)| r.split_once('@')).and_then(|(u, _)| u.split_once(':'))
    {
        assert!(!reason.contains(password.1), "the password is never repeated: {reason}");
    }
    works(&with_query(&url, "sslmode=prefer"));
    works(&with_query(&url, "sslmode=disable"));
}
