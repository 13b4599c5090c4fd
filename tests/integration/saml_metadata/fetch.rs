//! Metadata fetch: local-mode success, and every refusal, each before traffic leaves the
//! machine. Only loopback is ever connected to; every non-loopback refusal is asserted
//! first on `check_url` (no network), so a broken check fails the test before any fetch.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use shared::saml::fetch::{
    FetchError, FetchPolicy, MAX_REDIRECTS, address_allowed, check_url, fetch_metadata,
    fetch_metadata_with,
};
use shared::saml::metadata::MAX_METADATA_BYTES;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::okta_metadata;

/// A refusal that needs no network comes back well under this.
const FAST: Duration = Duration::from_millis(500);

/// A raw HTTP/1.1 server on 127.0.0.1 that counts the connections it accepts.
struct TestServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

impl TestServer {
    async fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&accepted);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(answer(stream));
            }
        });
        TestServer { addr, accepted }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// Reads the request head, then answers by path.
async fn answer(stream: TcpStream) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).await.is_err() {
        return;
    }
    let mut header = String::new();
    while reader.read_line(&mut header).await.is_ok_and(|n| n > 2) {
        header.clear();
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    let mut stream = reader.into_inner();
    if path == "/silent" {
        tokio::time::sleep(Duration::from_secs(30)).await;
        return;
    }
    let _ = stream.write_all(&response_for(&path)).await;
    let _ = stream.shutdown().await;
}

fn response_for(path: &str) -> Vec<u8> {
    if let Some(n) = path.strip_prefix("/hop/") {
        let n: usize = n.parse().unwrap();
        return if n == 0 {
            ok(okta_metadata().as_bytes(), true)
        } else {
            redirect(&format!("/hop/{}", n - 1))
        };
    }
    match path {
        "/metadata" => ok(okta_metadata().as_bytes(), true),
        "/to-imds" => redirect("http://169.254.169.254/latest/meta-data/iam/"),
        "/to-file" => redirect("file:///etc/passwd"),
        "/exactly-cap" => ok(&vec![b' '; MAX_METADATA_BYTES], false),
        "/over-cap" => ok(&vec![b' '; MAX_METADATA_BYTES + 1], false),
        "/over-cap-chunked" => chunked_body(MAX_METADATA_BYTES + 1),
        _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
    }
}

/// 200; with `length` false the body is delimited by closing the connection.
fn ok(body: &[u8], length: bool) -> Vec<u8> {
    let mut head =
        String::from("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n");
    if length {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    [head.as_bytes(), body].concat()
}

/// Chunked: no Content-Length to go by, so only counting the streamed bytes catches it.
fn chunked_body(size: usize) -> Vec<u8> {
    let chunk = vec![b' '; 64 * 1024];
    let mut out =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for _ in 0..size.div_ceil(chunk.len()) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(&chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

fn redirect(location: &str) -> Vec<u8> {
    format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .into_bytes()
}

fn local_policy(timeout: Duration) -> FetchPolicy {
    FetchPolicy {
        timeout,
        ..FetchPolicy::new(true)
    }
}

#[tokio::test]
async fn local_mode_fetches_metadata_over_http_from_loopback() {
    let server = TestServer::start().await;

    let body = fetch_metadata(&server.url("/metadata"), true)
        .await
        .unwrap();

    assert_eq!(body, okta_metadata().into_bytes());
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn outside_local_mode_http_is_refused_before_connecting() {
    let server = TestServer::start().await;

    let err = fetch_metadata(&server.url("/metadata"), false)
        .await
        .unwrap_err();

    assert_eq!(
        err,
        FetchError::SchemeNotAllowed {
            scheme: "http".to_owned()
        }
    );
    assert_eq!(err.code(), "url_not_allowed");
    assert_eq!(server.accepted(), 0);
}

#[tokio::test]
async fn outside_local_mode_https_to_127_0_0_1_is_refused_before_connecting() {
    let server = TestServer::start().await;
    let url = format!("https://{}/metadata", server.addr);
    let started = Instant::now();

    let err = fetch_metadata(&url, false).await.unwrap_err();

    assert!(
        matches!(err, FetchError::AddressNotAllowed { .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), "url_not_allowed");
    assert!(started.elapsed() < FAST);
    assert_eq!(server.accepted(), 0);
}

#[tokio::test]
async fn outside_local_mode_localhost_is_refused_by_the_resolver_hook_before_connecting() {
    let server = TestServer::start().await;
    let url = format!("https://localhost:{}/metadata", server.addr.port());
    assert!(
        check_url(&url, false).is_ok(),
        "a host name passes the offline check"
    );
    let started = Instant::now();

    let err = fetch_metadata(&url, false).await.unwrap_err();

    assert!(
        matches!(&err, FetchError::AddressNotAllowed { host, ip } if host == "localhost" && ip.is_loopback()),
        "{err:?}"
    );
    assert!(started.elapsed() < FAST);
    assert_eq!(server.accepted(), 0);
}

/// Literal addresses that must be refused without a packet being sent.
const FORBIDDEN_LITERALS: &[&str] = &[
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/metadata",
    "https://10.0.0.1/metadata",
    "https://172.16.0.1/metadata",
    "https://192.168.1.1/metadata",
    "https://100.64.0.1/metadata",
    "https://0.0.0.0/metadata",
    "https://255.255.255.255/metadata",
    "https://224.0.0.1/metadata",
    "https://[fd00::1]/metadata",
    "https://[fe80::1]/metadata",
    "https://[::]/metadata",
    "https://[ff02::1]/metadata",
    "https://[::ffff:169.254.169.254]/metadata",
    "https://[::ffff:10.0.0.1]/metadata",
    "https://[64:ff9b::a9fe:a9fe]/metadata",
    "https://2852039166/metadata", // 169.254.169.254 as one decimal number
    "https://0xa9.0xfe.0xa9.0xfe/metadata",
];

#[tokio::test]
async fn private_loopback_link_local_and_special_literals_are_refused_without_traffic() {
    for url in FORBIDDEN_LITERALS {
        // Guard first: if this check were broken, the fetch below would send traffic.
        let offline = check_url(url, false);
        assert!(
            matches!(offline, Err(FetchError::AddressNotAllowed { .. })),
            "{url}: {offline:?}"
        );
        let started = Instant::now();

        let err = fetch_metadata(url, false).await.unwrap_err();

        assert!(
            matches!(err, FetchError::AddressNotAllowed { .. }),
            "{url}: {err:?}"
        );
        assert_eq!(err.code(), "url_not_allowed");
        assert!(started.elapsed() < FAST, "{url}");
    }
}

#[tokio::test]
async fn local_mode_allows_loopback_only_and_still_refuses_link_local_and_private() {
    for url in FORBIDDEN_LITERALS.iter().filter(|u| !u.contains("[::1]")) {
        let offline = check_url(url, true);
        assert!(
            matches!(offline, Err(FetchError::AddressNotAllowed { .. })),
            "{url}: {offline:?}"
        );

        let err = fetch_metadata(url, true).await.unwrap_err();

        assert!(
            matches!(err, FetchError::AddressNotAllowed { .. }),
            "{url}: {err:?}"
        );
    }
}

#[test]
fn the_address_policy_allows_public_unicast_and_loopback_only_in_local_mode() {
    let public = [
        "93.184.216.34",
        "2606:4700::6810:84e5",
        "::ffff:93.184.216.34",
    ];
    for ip in public {
        assert!(address_allowed(ip.parse().unwrap(), false), "{ip}");
    }
    for ip in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"] {
        assert!(!address_allowed(ip.parse().unwrap(), false), "{ip}");
        assert!(
            address_allowed(ip.parse().unwrap(), true),
            "{ip} in local mode"
        );
    }
}

#[tokio::test]
async fn schemes_other_than_https_are_refused_before_any_network() {
    for url in [
        "ftp://idp.example.com/m.xml",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "gopher://x/",
    ] {
        let err = fetch_metadata(url, true).await.unwrap_err();

        assert!(
            matches!(err, FetchError::SchemeNotAllowed { .. }),
            "{url}: {err:?}"
        );
        assert_eq!(err.code(), "url_not_allowed");
    }
}

#[tokio::test]
async fn credentials_in_the_url_are_refused() {
    let err = fetch_metadata("https://user:secret@idp.example.com/metadata", false)
        .await
        .unwrap_err();

    assert_eq!(err, FetchError::CredentialsInUrl);
}

#[tokio::test]
async fn a_redirect_to_the_cloud_metadata_address_is_refused_even_in_local_mode() {
    let server = TestServer::start().await;
    // Guard: the hop check must refuse the target before the fetch can follow it.
    assert!(check_url("http://169.254.169.254/latest/meta-data/iam/", true).is_err());

    let err = fetch_metadata(&server.url("/to-imds"), true)
        .await
        .unwrap_err();

    assert!(
        matches!(&err, FetchError::AddressNotAllowed { ip, .. } if ip.to_string() == "169.254.169.254"),
        "{err:?}"
    );
    assert_eq!(err.code(), "url_not_allowed");
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn a_redirect_to_a_file_url_is_refused() {
    let server = TestServer::start().await;

    let err = fetch_metadata(&server.url("/to-file"), true)
        .await
        .unwrap_err();

    assert!(
        matches!(err, FetchError::SchemeNotAllowed { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn three_redirects_are_followed() {
    let server = TestServer::start().await;

    let body = fetch_metadata(&server.url(&format!("/hop/{MAX_REDIRECTS}")), true)
        .await
        .unwrap();

    assert_eq!(body, okta_metadata().into_bytes());
    assert_eq!(server.accepted(), MAX_REDIRECTS + 1);
}

#[tokio::test]
async fn a_fourth_redirect_is_refused() {
    let server = TestServer::start().await;

    let err = fetch_metadata(&server.url(&format!("/hop/{}", MAX_REDIRECTS + 1)), true)
        .await
        .unwrap_err();

    assert_eq!(err, FetchError::TooManyRedirects { max: MAX_REDIRECTS });
    assert_eq!(err.code(), "metadata_unreachable");
    assert_eq!(server.accepted(), MAX_REDIRECTS + 1);
}

#[tokio::test]
async fn a_body_of_exactly_1_mib_is_accepted() {
    let server = TestServer::start().await;

    let body = fetch_metadata(&server.url("/exactly-cap"), true)
        .await
        .unwrap();

    assert_eq!(body.len(), MAX_METADATA_BYTES);
}

#[tokio::test]
async fn a_body_over_1_mib_without_content_length_is_refused() {
    let server = TestServer::start().await;

    let err = fetch_metadata(&server.url("/over-cap"), true)
        .await
        .unwrap_err();

    assert_eq!(
        err,
        FetchError::TooLarge {
            max: MAX_METADATA_BYTES
        }
    );
    assert_eq!(err.code(), "metadata_unreachable");
}

#[tokio::test]
async fn a_chunked_body_over_1_mib_is_refused() {
    let server = TestServer::start().await;

    let err = fetch_metadata(&server.url("/over-cap-chunked"), true)
        .await
        .unwrap_err();

    assert_eq!(
        err,
        FetchError::TooLarge {
            max: MAX_METADATA_BYTES
        }
    );
}

#[tokio::test]
async fn a_non_2xx_status_is_unreachable() {
    let server = TestServer::start().await;

    let err = fetch_metadata(&server.url("/missing"), true)
        .await
        .unwrap_err();

    assert_eq!(err, FetchError::Status { status: 404 });
    assert_eq!(err.code(), "metadata_unreachable");
}

#[tokio::test]
async fn a_refused_connection_is_unreachable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);

    let err = fetch_metadata(&format!("http://{addr}/metadata"), true)
        .await
        .unwrap_err();

    assert!(matches!(err, FetchError::Transport { .. }), "{err:?}");
    assert_eq!(err.code(), "metadata_unreachable");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = TestServer::start().await;
    let started = Instant::now();

    let err = fetch_metadata_with(&server.url("/silent"), local_policy(Duration::from_secs(1)))
        .await
        .unwrap_err();

    let elapsed = started.elapsed();
    assert_eq!(
        err,
        FetchError::Timeout {
            after: Duration::from_secs(1)
        }
    );
    assert_eq!(err.code(), "metadata_unreachable");
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
}

#[test]
fn the_production_timeout_is_five_seconds() {
    assert_eq!(FetchPolicy::new(false).timeout, Duration::from_secs(5));
    assert_eq!(FetchPolicy::new(false).max_bytes, 1024 * 1024);
}
