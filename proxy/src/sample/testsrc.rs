//! A `SampleSource` over plain fields, for the unit tests of fetches, converters, ACLs,
//! conditions and log formats. Lua fetches answer `lua:<name>(<args>)`; Lua converters
//! answer `<name>:<input>`.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;

use super::source::{Dir, LuaSamples, SampleSource};
use super::value::{Method, Sample};
use super::vars::{VarName, Vars};

#[derive(Default)]
pub struct TestSource {
    pub client: Option<SocketAddr>,
    pub frontend: Option<SocketAddr>,
    pub fe_name: Option<String>,
    pub be_name: Option<String>,
    pub srv_name: Option<String>,
    pub method: Option<Method>,
    pub uri: Option<Bytes>,
    pub version: Option<Bytes>,
    pub req_headers: Option<Vec<(String, String)>>,
    pub res_headers: Option<Vec<(String, String)>>,
    pub body: Option<Bytes>,
    pub status: Option<u16>,
    pub dir: Option<Dir>,
    pub vars: Vars,
}

impl TestSource {
    /// An HTTP request `GET <uri> HTTP/1.1` from 127.0.0.1:40000 to 127.0.0.1:8080.
    pub fn http(uri: &str, headers: &[(&str, &str)]) -> TestSource {
        TestSource {
            client: Some("127.0.0.1:40000".parse().unwrap()),
            frontend: Some("127.0.0.1:8080".parse().unwrap()),
            fe_name: Some("fe".into()),
            be_name: Some("be".into()),
            srv_name: Some("s1".into()),
            method: Some(Method::Get),
            uri: Some(Bytes::from(uri.to_string())),
            version: Some(Bytes::from_static(b"1.1")),
            req_headers: Some(
                headers
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .collect(),
            ),
            ..TestSource::default()
        }
    }
}

impl SampleSource for TestSource {
    fn client_addr(&self) -> Option<SocketAddr> {
        self.client
    }
    fn frontend_addr(&self) -> Option<SocketAddr> {
        self.frontend
    }
    fn frontend_name(&self) -> Option<String> {
        self.fe_name.clone()
    }
    fn backend_name(&self) -> Option<String> {
        self.be_name.clone()
    }
    fn server_name(&self) -> Option<String> {
        self.srv_name.clone()
    }
    fn method(&self) -> Option<Method> {
        self.method.clone()
    }
    fn uri(&self) -> Option<Bytes> {
        self.uri.clone()
    }
    fn req_version(&self) -> Option<Bytes> {
        self.version.clone()
    }
    fn for_each_header(&self, dir: Dir, f: &mut dyn FnMut(&[u8], &[u8])) -> bool {
        let h = match dir {
            Dir::Req => &self.req_headers,
            Dir::Res => &self.res_headers,
        };
        match h {
            Some(h) => {
                for (n, v) in h {
                    f(n.as_bytes(), v.as_bytes());
                }
                true
            }
            None => false,
        }
    }
    fn direction(&self) -> Dir {
        self.dir.unwrap_or(Dir::Req)
    }
    fn req_body(&self) -> Option<Bytes> {
        self.body.clone()
    }
    fn req_len(&self) -> Option<i64> {
        self.body.as_ref().map(|b| b.len() as i64)
    }
    fn status(&self) -> Option<u16> {
        self.status
    }
    fn get_var(&self, name: &VarName) -> Option<Sample> {
        self.vars.get(name)
    }
    fn set_var(&mut self, name: &VarName, value: Sample) {
        self.vars.set(name, value)
    }
    fn unset_var(&mut self, name: &VarName) {
        self.vars.unset(name)
    }
}

impl LuaSamples for TestSource {
    fn lua_fetch(&mut self, name: &str, args: &[Sample]) -> impl Future<Output = Option<Sample>> {
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                String::from_utf8_lossy(&a.clone().to_str_form().unwrap_or_default()).into_owned()
            })
            .collect();
        let r = if name == "fail" {
            None
        } else {
            Some(Sample::str(format!("lua:{name}({})", args.join(","))))
        };
        std::future::ready(r)
    }

    fn lua_convert(
        &mut self,
        name: &str,
        input: Sample,
        _args: &[Sample],
    ) -> impl Future<Output = Option<Sample>> {
        let s = input.to_str_form().unwrap_or_default();
        std::future::ready(Some(Sample::str(format!(
            "{name}:{}",
            String::from_utf8_lossy(&s)
        ))))
    }
}

/// Runs a future that never waits (everything here is ready at once).
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    match f.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("test future waited"),
    }
}
