//! `ToSocketAddrs` and `lookup_host`: addresses, or host names resolved on
//! the blocking pool (never on a worker).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Something that names one or more socket addresses: a `SocketAddr`, an
/// `(IpAddr, u16)`, or a string such as `"127.0.0.1:8080"` or
/// `"localhost:8080"` (or a `(&str, u16)` pair).
///
/// Strings that are not literal addresses are resolved with std's
/// resolver on zio's blocking pool, so a slow DNS lookup never stalls a
/// worker. Sealed: implemented for the types std's `ToSocketAddrs` is.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// let listener = zio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
/// # Ok::<_, std::io::Error>(()) }).unwrap();
/// ```
pub trait ToSocketAddrs: sealed::Sealed {}

pub(crate) mod sealed {
    use std::io;
    use std::net::SocketAddr;

    /// How to get the addresses.
    #[derive(Debug)]
    pub enum Resolve {
        Ready(Vec<SocketAddr>),
        /// A `host:port` string for the resolver.
        Lookup(String),
        /// A host name and a port.
        LookupPair(String, u16),
    }

    pub trait Sealed {
        fn resolve(&self) -> io::Result<Resolve>;
    }
}

use sealed::{Resolve, Sealed};

macro_rules! ready_addrs {
    ($($t:ty),*) => {$(
        impl ToSocketAddrs for $t {}
        impl Sealed for $t {
            fn resolve(&self) -> io::Result<Resolve> {
                Ok(Resolve::Ready(std::net::ToSocketAddrs::to_socket_addrs(self)?.collect()))
            }
        }
    )*};
}

ready_addrs!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16)
);

impl ToSocketAddrs for [SocketAddr] {}
impl Sealed for [SocketAddr] {
    fn resolve(&self) -> io::Result<Resolve> {
        Ok(Resolve::Ready(self.to_vec()))
    }
}

impl ToSocketAddrs for str {}
impl Sealed for str {
    fn resolve(&self) -> io::Result<Resolve> {
        match self.parse::<SocketAddr>() {
            Ok(addr) => Ok(Resolve::Ready(vec![addr])),
            Err(_) => Ok(Resolve::Lookup(self.to_owned())),
        }
    }
}

impl ToSocketAddrs for String {}
impl Sealed for String {
    fn resolve(&self) -> io::Result<Resolve> {
        self.as_str().resolve()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl Sealed for (&str, u16) {
    fn resolve(&self) -> io::Result<Resolve> {
        match self.0.parse::<IpAddr>() {
            Ok(ip) => Ok(Resolve::Ready(vec![SocketAddr::new(ip, self.1)])),
            Err(_) => Ok(Resolve::LookupPair(self.0.to_owned(), self.1)),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl Sealed for (String, u16) {
    fn resolve(&self) -> io::Result<Resolve> {
        (self.0.as_str(), self.1).resolve()
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: Sealed + ?Sized> Sealed for &T {
    fn resolve(&self) -> io::Result<Resolve> {
        (**self).resolve()
    }
}

impl Resolve {
    /// The addresses, looking a host name up with the system resolver
    /// (which may block) if there is one.
    fn addresses(self) -> io::Result<Vec<SocketAddr>> {
        match self {
            Resolve::Ready(addrs) => Ok(addrs),
            Resolve::Lookup(s) => {
                std::net::ToSocketAddrs::to_socket_addrs(s.as_str()).map(Iterator::collect)
            }
            Resolve::LookupPair(host, port) => {
                std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
                    .map(Iterator::collect)
            }
        }
    }
}

/// Resolves `addr` to a list of addresses, looking host names up on the
/// blocking pool.
pub(crate) async fn resolve<A: ToSocketAddrs>(addr: A) -> io::Result<Vec<SocketAddr>> {
    match addr.resolve()? {
        Resolve::Ready(addrs) => Ok(addrs),
        lookup => crate::spawn_blocking(move || lookup.addresses())
            .await
            .map_err(|e| io::Error::other(e.to_string()))?,
    }
}

/// Resolves `addr` on the calling thread (for the blocking calls).
pub(crate) fn resolve_blocking<A: ToSocketAddrs>(addr: A) -> io::Result<Vec<SocketAddr>> {
    addr.resolve()?.addresses()
}

/// Tries `f` on each address in turn; returns the first success or the
/// last error.
pub(crate) async fn each_addr<T, F, Fut>(addrs: Vec<SocketAddr>, mut f: F) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in addrs {
        match f(addr).await {
            Ok(t) => return Ok(t),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(no_addresses))
}

/// As [`each_addr`], on the calling thread.
pub(crate) fn each_addr_blocking<T>(
    addrs: Vec<SocketAddr>,
    mut f: impl FnMut(SocketAddr) -> io::Result<T>,
) -> io::Result<T> {
    let mut last = None;
    for addr in addrs {
        match f(addr) {
            Ok(t) => return Ok(t),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(no_addresses))
}

fn no_addresses() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "could not resolve to any address",
    )
}

/// Looks up the addresses of `host`, a `"host:port"` string or any other
/// [`ToSocketAddrs`]. Names are resolved with std's resolver on the
/// blocking pool.
///
/// # Errors
///
/// The resolver's error (for example an unknown host), or `InvalidInput`
/// for a string without a port.
///
/// # Cancel safety
///
/// Cancel safe: dropping the future abandons the lookup (it finishes on
/// the blocking pool, unobserved).
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// for addr in zio::net::lookup_host("localhost:8080").await? {
///     assert_eq!(addr.port(), 8080);
/// }
/// # Ok::<_, std::io::Error>(()) }).unwrap();
/// ```
pub async fn lookup_host<T: ToSocketAddrs>(
    host: T,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    Ok(resolve(host).await?.into_iter())
}
