//! Safe fetch of an IdP metadata URL: owns the scheme and address policy (the SSRF guard),
//! enforced where it cannot be raced — in reqwest's resolver hook at connect time (so DNS
//! rebinding cannot slip past a separate look-up), on literal-IP hosts, which skip DNS, and
//! again on every redirect hop — plus the time, redirect and size bounds.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect;
use url::{Host, Url};

use super::metadata::MAX_METADATA_BYTES;

/// Whole-fetch deadline: connect, redirects, headers and body together.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Redirects followed at most; the next one is refused.
pub const MAX_REDIRECTS: usize = 3;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Bounds of one fetch. `new` gives the production values; tests shorten `timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchPolicy {
    /// Local mode (a dev IdP on this machine): allows `http` and loopback addresses, and
    /// nothing else more: private, link-local and the rest stay refused.
    pub local_mode: bool,
    pub timeout: Duration,
    pub max_bytes: usize,
}

impl FetchPolicy {
    pub fn new(local_mode: bool) -> Self {
        FetchPolicy {
            local_mode,
            timeout: FETCH_TIMEOUT,
            max_bytes: MAX_METADATA_BYTES,
        }
    }
}

/// Why a fetch failed. `Display` is the precise reason, for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("metadata URL does not parse: {reason}")]
    InvalidUrl { reason: String },
    #[error("metadata URL scheme {scheme:?} is not allowed")]
    SchemeNotAllowed { scheme: String },
    #[error("metadata URL carries a user name or password")]
    CredentialsInUrl,
    #[error("metadata URL host {host} is address {ip}, which is not allowed")]
    AddressNotAllowed { host: String, ip: IpAddr },
    #[error("more than {max} redirects")]
    TooManyRedirects { max: usize },
    #[error("no answer within {after:?}")]
    Timeout { after: Duration },
    #[error("metadata URL answered HTTP {status}")]
    Status { status: u16 },
    #[error("metadata body is over the {max}-byte cap")]
    TooLarge { max: usize },
    #[error("could not resolve {host}: {reason}")]
    Dns { host: String, reason: String },
    #[error("could not fetch metadata: {reason}")]
    Transport { reason: String },
}

impl FetchError {
    /// The contract's machine code (CONTRACT.md, "IdP metadata ingest"; HTTP 422).
    pub fn code(&self) -> crate::error::ErrorCode {
        use crate::error::ErrorCode;
        match self {
            FetchError::InvalidUrl { .. }
            | FetchError::SchemeNotAllowed { .. }
            | FetchError::CredentialsInUrl
            | FetchError::AddressNotAllowed { .. } => ErrorCode::UrlNotAllowed,
            _ => ErrorCode::MetadataUnreachable,
        }
    }
}

/// Fetches a metadata document with the production bounds (5 s, 3 redirects, 1 MiB).
pub async fn fetch_metadata(url: &str, local_mode: bool) -> Result<Vec<u8>, FetchError> {
    fetch_metadata_with(url, FetchPolicy::new(local_mode)).await
}

/// Fetches with explicit bounds. The URL is checked before any network use.
pub async fn fetch_metadata_with(url: &str, policy: FetchPolicy) -> Result<Vec<u8>, FetchError> {
    let url = check_url(url, policy.local_mode)?;
    let client = build_client(policy)?;
    let download = download(&client, url, policy);
    match tokio::time::timeout(policy.timeout, download).await {
        Ok(result) => result,
        Err(_) => Err(FetchError::Timeout {
            after: policy.timeout,
        }),
    }
}

/// The checks that need no network: it parses; scheme `https` (or `http` in local mode);
/// no credentials; a host; and a literal-IP host is an allowed address (literal IPs never
/// reach the resolver hook, so this is their only check).
pub fn check_url(url: &str, local_mode: bool) -> Result<Url, FetchError> {
    let url = Url::parse(url.trim()).map_err(|err| FetchError::InvalidUrl {
        reason: err.to_string(),
    })?;
    check_parsed_url(&url, local_mode)?;
    Ok(url)
}

fn check_parsed_url(url: &Url, local_mode: bool) -> Result<(), FetchError> {
    match url.scheme() {
        "https" => {}
        "http" if local_mode => {}
        other => {
            return Err(FetchError::SchemeNotAllowed {
                scheme: other.to_owned(),
            });
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FetchError::CredentialsInUrl);
    }
    let literal = match url.host() {
        None => {
            return Err(FetchError::InvalidUrl {
                reason: "no host".to_owned(),
            });
        }
        Some(Host::Domain(_)) => None,
        Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
    };
    match literal {
        Some(ip) if !address_allowed(ip, local_mode) => Err(FetchError::AddressNotAllowed {
            host: url.host_str().unwrap_or_default().to_owned(),
            ip,
        }),
        _ => Ok(()),
    }
}

/// Whether a connection to `ip` is allowed. Only globally routable unicast is; local mode
/// adds loopback (127.0.0.0/8, ::1) and nothing else. IPv6 forms that embed an IPv4
/// address (mapped ::ffff:0:0/96, compatible ::/96, NAT64 64:ff9b::/96) are judged by it.
pub fn address_allowed(ip: IpAddr, local_mode: bool) -> bool {
    match ip {
        IpAddr::V4(v4) => ipv4_allowed(v4, local_mode),
        IpAddr::V6(v6) => match embedded_ipv4(v6) {
            Some(v4) => ipv4_allowed(v4, local_mode),
            None => ipv6_allowed(v6, local_mode),
        },
    }
}

/// RFC 6890 special-purpose IPv4 blocks that must never be fetched from.
fn ipv4_allowed(ip: Ipv4Addr, local_mode: bool) -> bool {
    if ip.is_loopback() {
        return local_mode;
    }
    let [a, b, c, _] = ip.octets();
    let special = a == 0 // 0.0.0.0/8 "this network", unspecified included
        || ip.is_private() // 10/8, 172.16/12, 192.168/16 (RFC 1918)
        || ip.is_link_local() // 169.254/16, cloud metadata at 169.254.169.254
        || (a == 100 && (b & 0xc0) == 64) // 100.64/10 CGNAT (RFC 6598)
        || (a == 192 && b == 0 && c == 0) // 192.0.0/24 IETF protocol assignments
        || ip.is_documentation() // 192.0.2/24, 198.51.100/24, 203.0.113/24
        || (a == 198 && (b & 0xfe) == 18) // 198.18/15 benchmarking (RFC 2544)
        || ip.is_multicast() // 224/4
        || a >= 240; // 240/4 reserved, 255.255.255.255 broadcast included
    !special
}

/// RFC 6890 / RFC 4291 special-purpose IPv6 blocks.
fn ipv6_allowed(ip: Ipv6Addr, local_mode: bool) -> bool {
    if ip.is_loopback() {
        return local_mode;
    }
    let s = ip.segments();
    let special = ip.is_unspecified()
        || ip.is_multicast() // ff00::/8
        || (s[0] & 0xfe00) == 0xfc00 // fc00::/7 unique local
        || (s[0] & 0xffc0) == 0xfe80 // fe80::/10 link local
        || (s[0] & 0xffc0) == 0xfec0 // fec0::/10 old site local
        || (s[0] == 0x2001 && s[1] == 0x0db8) // 2001:db8::/32 documentation
        || (s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0); // 100::/64 discard
    !special
}

/// The IPv4 address inside ::ffff:a.b.c.d, ::a.b.c.d or 64:ff9b::a.b.c.d.
fn embedded_ipv4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    let tail = Ipv4Addr::from((u32::from(s[6]) << 16) | u32::from(s[7]));
    let compatible = s[..6] == [0; 6] && !ip.is_unspecified() && !ip.is_loopback();
    let nat64 = s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    (compatible || nat64).then_some(tail)
}

/// Resolves with the system resolver and keeps only allowed addresses; reqwest connects
/// only to what this returns, so the check and the connection see the same addresses.
#[derive(Debug, Clone, Copy)]
struct GuardedResolver {
    local_mode: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let local_mode = self.local_mode;
        Box::pin(async move {
            let addrs = resolve_allowed(&host, local_mode)
                .await
                .map_err(|err| Box::new(err) as BoxError)?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

async fn resolve_allowed(host: &str, local_mode: bool) -> Result<Vec<SocketAddr>, FetchError> {
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
        .await
        .map_err(|err| FetchError::Dns {
            host: host.to_owned(),
            reason: err.to_string(),
        })?
        .collect();
    let allowed: Vec<SocketAddr> = found
        .iter()
        .copied()
        .filter(|addr| address_allowed(addr.ip(), local_mode))
        .collect();
    match (allowed.is_empty(), found.first()) {
        (false, _) => Ok(allowed),
        (true, Some(first)) => Err(FetchError::AddressNotAllowed {
            host: host.to_owned(),
            ip: first.ip(),
        }),
        (true, None) => Err(FetchError::Dns {
            host: host.to_owned(),
            reason: "no addresses".to_owned(),
        }),
    }
}

/// Each hop is checked like the first URL: count, scheme, credentials, literal IP. A
/// hop's host name is checked by the resolver when it connects.
fn redirect_policy(local_mode: bool) -> redirect::Policy {
    redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(FetchError::TooManyRedirects { max: MAX_REDIRECTS });
        }
        match check_parsed_url(attempt.url(), local_mode) {
            Ok(()) => attempt.follow(),
            Err(err) => attempt.error(err),
        }
    })
}

/// No proxy (a proxy would connect for us, past the resolver hook); https only outside
/// local mode; HTTP/1.1 only (reqwest's `http2` feature is off).
fn build_client(policy: FetchPolicy) -> Result<reqwest::Client, FetchError> {
    reqwest::Client::builder()
        .no_proxy()
        .dns_resolver(GuardedResolver {
            local_mode: policy.local_mode,
        })
        .redirect(redirect_policy(policy.local_mode))
        .https_only(!policy.local_mode)
        .timeout(policy.timeout)
        .connect_timeout(policy.timeout)
        .referer(false)
        .user_agent(concat!(
            "saml-sp-metadata-fetch/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .map_err(|err| FetchError::Transport {
            reason: error_chain(&err),
        })
}

/// GET, 2xx only, then the body streamed and cut at `max_bytes` (Content-Length, when
/// sent, only lets a too-large answer fail sooner; it is never trusted to be small).
async fn download(
    client: &reqwest::Client,
    url: Url,
    policy: FetchPolicy,
) -> Result<Vec<u8>, FetchError> {
    let classify = |err| classify(err, policy.timeout);
    let max_bytes = policy.max_bytes;
    let mut response = client.get(url).send().await.map_err(classify)?;
    let status = response.status();
    if !status.is_success() {
        let refused = refused_location(&response, policy.local_mode);
        return Err(refused.unwrap_or(FetchError::Status {
            status: status.as_u16(),
        }));
    }
    let too_large = FetchError::TooLarge { max: max_bytes };
    if response
        .content_length()
        .is_some_and(|n| n > max_bytes as u64)
    {
        return Err(too_large);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(classify)? {
        if body.len() + chunk.len() > max_bytes {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// reqwest hands back, unfollowed, a redirect whose Location is not http(s) (`file:`,
/// `gopher:`…): name that refusal rather than the bare 3xx status.
fn refused_location(response: &reqwest::Response, local_mode: bool) -> Option<FetchError> {
    if !response.status().is_redirection() {
        return None;
    }
    let location = response.headers().get(reqwest::header::LOCATION)?;
    let target = response.url().join(location.to_str().ok()?).ok()?;
    check_parsed_url(&target, local_mode).err()
}

/// Our own refusals (from the resolver hook or the redirect policy) come back wrapped in
/// reqwest's error; find them in the source chain so the caller sees the real reason.
fn classify(err: reqwest::Error, timeout: Duration) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(current) = source {
        if let Some(ours) = current.downcast_ref::<FetchError>() {
            return ours.clone();
        }
        source = current.source();
    }
    if err.is_timeout() {
        return FetchError::Timeout { after: timeout };
    }
    FetchError::Transport {
        reason: error_chain(&err),
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(current) = source {
        text.push_str(": ");
        text.push_str(&current.to_string());
        source = current.source();
    }
    text
}
