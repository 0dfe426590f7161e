//! UDP, Unix stream and Unix datagram round trips on a zio runtime.

use zio::net::{UdpSocket, UnixDatagram, UnixListener, UnixStream};

fn rt() -> zio::runtime::Runtime {
    zio::runtime::Runtime::new().unwrap()
}

fn temp_path(tag: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("zio-test-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

#[test]
fn udp_round_trip() {
    rt().block_on(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (r, _) = a.send_to(b"hello".to_vec(), b.local_addr().unwrap()).await;
        assert_eq!(r.unwrap(), 5);
        let (r, buf) = b.recv_from(Vec::with_capacity(64)).await;
        let (n, from) = r.unwrap();
        assert_eq!((&buf[..n], from), (&b"hello"[..], a.local_addr().unwrap()));
        // Connected: send/recv.
        b.connect(from).await.unwrap();
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.send(b"back".to_vec()).await.0.unwrap();
        let (n, buf) = a.recv(Vec::with_capacity(64)).await;
        assert_eq!(&buf[..n.unwrap()], b"back");
    });
}

#[test]
fn unix_stream_round_trip() {
    rt().block_on(async {
        let path = temp_path("stream");
        let listener = UnixListener::bind(&path).unwrap();
        let server = zio::spawn(async move {
            let (s, _) = listener.accept().await.unwrap();
            let (r, b) = s.read_exact(Vec::with_capacity(5)).await;
            r.unwrap();
            s.write_all(b).await.0.unwrap();
        });
        let c = UnixStream::connect(&path).await.unwrap();
        c.write_all(b"hello".to_vec()).await.0.unwrap();
        let (r, b) = c.read_exact(Vec::with_capacity(5)).await;
        r.unwrap();
        assert_eq!(b, b"hello");
        server.await.unwrap();
        std::fs::remove_file(&path).unwrap();

        let (x, y) = UnixStream::pair().unwrap();
        let (xr, xw) = x.into_split();
        xw.write_all(b"split".to_vec()).await.0.unwrap();
        drop(xw);
        let mut got = Vec::new();
        loop {
            let (n, b) = y.read(Vec::with_capacity(16)).await;
            if n.unwrap() == 0 {
                break;
            }
            got.extend_from_slice(&b);
        }
        assert_eq!(got, b"split");
        drop(xr);
    });
}

#[test]
fn unix_datagram_round_trip() {
    rt().block_on(async {
        let (pa, pb) = (temp_path("da"), temp_path("db"));
        let a = UnixDatagram::bind(&pa).unwrap();
        let b = UnixDatagram::bind(&pb).unwrap();
        a.send_to(b"to b".to_vec(), &pb).await.0.unwrap();
        let (r, buf) = b.recv_from(Vec::with_capacity(16)).await;
        let (n, from) = r.unwrap();
        assert_eq!(&buf[..n], b"to b");
        assert_eq!(from.as_pathname(), Some(pa.as_path()));
        std::fs::remove_file(&pa).unwrap();
        std::fs::remove_file(&pb).unwrap();

        let (x, y) = UnixDatagram::pair().unwrap();
        x.send(b"pair".to_vec()).await.0.unwrap();
        let (n, buf) = y.recv(Vec::with_capacity(16)).await;
        assert_eq!(&buf[..n.unwrap()], b"pair");
    });
}
