//! `cekops serve`: a read-only web console rendered from git. The routes map a request target
//! to HTML, SVG or text ([`Site::get`]); [`Server`] runs the socket loop. Pages follow the
//! repository: each reads it afresh, and the page script polls [`Site::version`] (the refs and a
//! counter the work-tree watcher bumps) to swap in the new content without a reload.

mod html;
mod pages;
mod svg;

use std::hash::Hash;
use std::hash::Hasher;
use std::net::IpAddr;
use std::net::SocketAddr;
use std::path::Path;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Result;

use crate::error::usage;
use crate::git;
use crate::git::refs;
use crate::ops::validate::Source;
use crate::ops::validate::ValidateOptions;
use crate::ops::validate::ValidateOutcome;
use crate::ops::validate::validate;
use crate::ops::watch::Watch;
use crate::ops::watch::WatchOptions;

pub use html::esc;
pub use html::url;

/// The policy sent with every response: only this server's own script, style and images; no
/// inline script or style, no frames, forms only to this server.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const APP_CSS: &str = include_str!("assets/app.css");
const APP_JS: &str = include_str!("assets/app.js");
const ICON_SVG: &str = include_str!("assets/icon.svg");

/// What to serve and where.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// A folder in the repository.
    pub dir: PathBuf,
    /// Show the extension files of this revision (followed as it moves) instead of the work
    /// tree.
    pub rev: Option<String>,
    /// The address to listen on.
    pub addr: IpAddr,
    /// The port (0: any free port).
    pub port: u16,
}

/// One response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Response {
    fn html(status: u16, body: String) -> Response {
        Response {
            status,
            content_type: "text/html; charset=utf-8",
            body: body.into_bytes(),
        }
    }
    fn text(status: u16, body: impl Into<String>) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into().into_bytes(),
        }
    }
}

/// The pages of one repository.
pub struct Site {
    /// The repository root (work tree, or the bare repository).
    dir: PathBuf,
    rev: Option<String>,
    /// Bumped on each burst of work-tree changes.
    generation: AtomicU64,
}

impl Site {
    /// The site of the repository around `dir`; `rev` must name a commit now.
    pub fn open(dir: &Path, rev: Option<String>) -> Result<Site> {
        if !dir.is_dir() {
            return Err(usage(format!("`{}` is not a folder", dir.display())).into());
        }
        let repo = git::try_discover(dir);
        let root = match &repo {
            Some(r) => r
                .workdir()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| r.git_dir().to_path_buf()),
            None => dir.canonicalize()?,
        };
        // A plain folder may be a repository of extension files without git.
        let root = if repo.is_some()
            && (dir.join("extensions").is_dir() || dir.join("cekops.toml").exists())
        {
            dir.canonicalize()?
        } else {
            root
        };
        if let Some(rev) = &rev {
            let Some(repo) = &repo else {
                return Err(usage(format!(
                    "`--rev {rev}`: `{}` is not inside a git repository",
                    dir.display()
                ))
                .into());
            };
            repo.resolve_commit(rev)
                .map_err(|e| usage(format!("`--rev {rev}`: {e:#}")))?;
        } else if repo.as_ref().is_some_and(|r| r.is_bare()) {
            return Err(usage("a bare repository has no work tree to show")
                .hint("give the revision to show with `--rev service`")
                .into());
        }
        Ok(Site {
            dir: root,
            rev,
            generation: AtomicU64::new(0),
        })
    }

    /// The repository root served.
    pub fn root(&self) -> &Path {
        &self.dir
    }

    /// Note a change of the work tree (pages polling [`Site::version`] reload their content).
    pub fn touch(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// A fingerprint of what the pages show: every ref, HEAD, and the work-tree generation.
    pub fn version(&self) -> String {
        let mut h = std::hash::DefaultHasher::new();
        self.generation.load(Ordering::SeqCst).hash(&mut h);
        if let Some(repo) = git::try_discover(&self.dir) {
            if let Ok(list) = refs::list(&repo, "refs/*") {
                for (name, oid) in list {
                    name.hash(&mut h);
                    oid.to_string().hash(&mut h);
                }
            }
            repo.head_name().hash(&mut h);
            repo.head_commit().map(|o| o.to_string()).hash(&mut h);
        }
        format!("{:016x}", h.finish())
    }

    fn source(&self) -> Source {
        match &self.rev {
            Some(rev) => Source::Rev(self.dir.clone(), rev.clone()),
            None => Source::Dir(self.dir.clone()),
        }
    }

    fn source_label(&self) -> String {
        match &self.rev {
            Some(rev) => format!("revision `{rev}`"),
            None => format!("the work tree `{}`", self.dir.display()),
        }
    }

    fn source_note(&self) -> String {
        format!(
            "<p class=\"source\">Files from {}.</p>",
            html::esc(&self.source_label())
        )
    }

    /// Whether the files served hold the folder `extensions/<id>`.
    fn has_extension(&self, id: &str) -> bool {
        if id.is_empty() || id == "." || id == ".." || id.contains(['/', '\\']) {
            return false;
        }
        let rel = format!("extensions/{id}");
        match &self.rev {
            None => self.dir.join(&rel).is_dir(),
            Some(rev) => git::try_discover(&self.dir).is_some_and(|repo| {
                repo.resolve_commit(rev)
                    .and_then(|c| git::objects::subtree(&repo, c, &rel))
                    .is_ok_and(|t| t.is_some())
            }),
        }
    }

    /// The repository's files with every rule applied (`ids` in full; all when empty).
    fn load(&self, ids: &[String]) -> Result<ValidateOutcome> {
        validate(&ValidateOptions {
            source: self.source(),
            ids: ids.to_vec(),
            stage: None,
        })
    }

    fn page(&self, status: u16, p: pages::Page) -> Response {
        Response::html(status, html::page(&p.title, &self.version(), &p.main))
    }

    fn not_found(&self, what: &str) -> Response {
        self.page(
            404,
            pages::Page {
                title: "Not found".into(),
                main: format!(
                    "<h1>Not found</h1><p class=\"error\" role=\"alert\">{}</p><p><a href=\"/\">All extensions</a></p>",
                    html::esc(what)
                ),
            },
        )
    }

    fn failed(&self, e: &anyhow::Error) -> Response {
        self.page(
            500,
            pages::Page {
                title: "Error".into(),
                main: format!(
                    "<h1>Cannot show this page</h1><p class=\"error\" role=\"alert\">{}</p>",
                    html::esc(&format!("{e:#}"))
                ),
            },
        )
    }

    /// Answer a GET of `target` (path and query).
    pub fn get(&self, target: &str) -> Response {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let params: Vec<(String, String)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (html::decode(k, true), html::decode(v, true))
            })
            .collect();
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let segs: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| html::decode(s, false))
            .collect();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        // Pages of the files need the folder; history, changes and reviews read git only (an
        // extension whose test branch was deleted still has them).
        if let ["ext", id] | ["ext", id, "test" | "asset"] = segs.as_slice()
            && !self.has_extension(id)
        {
            return self.not_found(&format!(
                "There is no extension `{id}` in {}.",
                self.source_label()
            ));
        }
        let page = |r: Result<Option<pages::Page>>, id: &str| match r {
            Ok(Some(p)) => self.page(200, p),
            Ok(None) => self.not_found(&format!(
                "There is no extension `{id}` in {}.",
                self.source_label()
            )),
            Err(e) => self.failed(&e),
        };
        match segs.as_slice() {
            [] => page(pages::list(self).map(Some), ""),
            ["static", "app.css"] => Response {
                status: 200,
                content_type: "text/css; charset=utf-8",
                body: APP_CSS.as_bytes().to_vec(),
            },
            ["static", "app.js"] => Response {
                status: 200,
                content_type: "text/javascript; charset=utf-8",
                body: APP_JS.as_bytes().to_vec(),
            },
            ["static", "icon.svg"] | ["favicon.ico"] => Response {
                status: 200,
                content_type: "image/svg+xml",
                body: ICON_SVG.as_bytes().to_vec(),
            },
            ["api", "version"] => Response::text(200, self.version()),
            ["reviews"] => self.page(200, pages::reviews(self)),
            ["ext", id] => page(pages::extension(self, id), id),
            ["ext", id, "test"] => page(pages::test_page(self, id, param("u")), id),
            ["ext", id, "diff"] => {
                self.page(200, pages::diff_page(self, id, param("from"), param("to")))
            }
            ["ext", id, "history"] => self.page(200, pages::history(self, id)),
            ["ext", id, "review", n] => match n.parse::<u32>() {
                Ok(n) => self.page(200, pages::review_page(self, id, n)),
                Err(_) => self.not_found(&format!("`{n}` is not a record number.")),
            },
            ["ext", id, "asset"] => self.asset(id, param("path").unwrap_or("")),
            _ => self.not_found(&format!("No page at `{path}`.")),
        }
    }

    /// An icon of an extension, only when it is a PNG or JPEG image.
    fn asset(&self, id: &str, rel: &str) -> Response {
        let outcome = match self.load(&[id.to_string()]) {
            Ok(o) => o,
            Err(e) => return self.failed(&e),
        };
        let full = format!("extensions/{id}/{rel}");
        let Some(asset) = outcome.repo.extension(id).and_then(|e| e.assets.get(&full)) else {
            return Response::text(404, "no such asset\n");
        };
        let content_type = match asset.bytes.get(..4) {
            Some([0x89, b'P', b'N', b'G']) => "image/png",
            Some([0xFF, 0xD8, 0xFF, _]) => "image/jpeg",
            _ => return Response::text(415, "not a PNG or JPEG image\n"),
        };
        Response {
            status: 200,
            content_type,
            body: asset.bytes.to_vec(),
        }
    }
}

/// A listening server.
pub struct Server {
    http: tiny_http::Server,
    site: Site,
    addr: SocketAddr,
    watch: Option<Watch>,
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
        .unwrap_or_else(|()| unreachable!("static header names and values are valid"))
}

impl Server {
    /// Open the repository and listen (nothing is served until [`Server::run`]).
    pub fn bind(opts: &ServeOptions) -> Result<Server> {
        let site = Site::open(&opts.dir, opts.rev.clone())?;
        let http = tiny_http::Server::http(SocketAddr::new(opts.addr, opts.port)).map_err(|e| {
            usage(format!("cannot listen on {}:{}: {e}", opts.addr, opts.port))
                .hint("choose another port with `--port N` (0 picks a free one)")
        })?;
        let addr = http
            .server_addr()
            .to_ip()
            .ok_or_else(|| usage("the server is not listening on an IP address"))?;
        // Work-tree edits show up through the watcher; commits and fetches through the refs.
        let watch = match (&opts.rev, site.dir.join("extensions").is_dir()) {
            (None, true) => Watch::open(&WatchOptions {
                dir: site.dir.clone(),
                ids: Vec::new(),
                debounce: Duration::from_millis(50),
            })
            .ok(),
            _ => None,
        };
        Ok(Server {
            http,
            site,
            addr,
            watch,
        })
    }

    /// The address listened on (the port chosen when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL to open.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The repository root served.
    pub fn root(&self) -> &Path {
        self.site.root()
    }

    /// Whether other machines can reach the server (not a loopback address).
    pub fn is_exposed(&self) -> bool {
        !self.addr.ip().is_loopback()
    }

    /// The `Host` values accepted: on a loopback address only the loopback names with this
    /// port (a page of another site cannot reach the server through DNS rebinding).
    fn host_allowed(&self, host: Option<&str>) -> bool {
        if self.is_exposed() {
            return true;
        }
        let Some(host) = host else { return false };
        let port = self.addr.port();
        [
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
        ]
        .iter()
        .any(|h| h.eq_ignore_ascii_case(host))
    }

    fn respond(&self, req: tiny_http::Request) {
        let host = req
            .headers()
            .iter()
            .find(|h| h.field.equiv("Host"))
            .map(|h| h.value.as_str().to_string());
        let method = req.method().clone();
        let response = if !self.host_allowed(host.as_deref()) {
            Response::text(421, "unexpected Host header\n")
        } else if !matches!(method, tiny_http::Method::Get | tiny_http::Method::Head) {
            Response::text(405, "read-only: only GET and HEAD\n")
        } else {
            // A bug in one page must not take a worker thread down with it.
            let url = req.url().to_string();
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.site.get(&url)))
                .unwrap_or_else(|_| Response::text(500, "internal error: this page failed\n"))
        };
        let mut out = tiny_http::Response::from_data(response.body)
            .with_status_code(response.status)
            .with_header(header("Content-Type", response.content_type))
            .with_header(header("Content-Security-Policy", CSP))
            .with_header(header("X-Content-Type-Options", "nosniff"))
            .with_header(header("Referrer-Policy", "no-referrer"))
            .with_header(header("Cache-Control", "no-store"))
            .with_header(header("X-Frame-Options", "DENY"));
        if response.status == 405 {
            out = out.with_header(header("Allow", "GET, HEAD"));
        }
        // A client that went away is not the server's problem.
        let _ = req.respond(out);
    }

    /// Serve until `stop` is set: a few threads answer requests while the work-tree watcher
    /// bumps the version pages poll.
    pub fn run(mut self, stop: &AtomicBool) {
        let watching = self.watch.take().and_then(|w| w.start().ok());
        let server = &self;
        std::thread::scope(|scope| {
            if let Some(watching) = watching {
                let site = &server.site;
                scope.spawn(move || watching.run(stop, &mut |_| site.touch()));
            }
            for _ in 0..4 {
                scope.spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        match server.http.recv_timeout(Duration::from_millis(100)) {
                            Ok(Some(req)) => server.respond(req),
                            Ok(None) => {}
                            Err(_) => std::thread::sleep(Duration::from_millis(50)),
                        }
                    }
                });
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_of_a_folder_without_git() {
        let tmp = tempfile::tempdir().unwrap();
        let ext = tmp.path().join("extensions/x");
        std::fs::create_dir_all(&ext).unwrap();
        std::fs::write(
            ext.join("extension.toml"),
            "id = \"x\"\nlanguage = \"ja-JP\"\nname = \"<X>\"\ninvocation_names = [\"エックス\"]\n",
        )
        .unwrap();
        let site = Site::open(tmp.path(), None).unwrap();
        let r = site.get("/");
        assert_eq!(r.status, 200);
        let body = String::from_utf8(r.body).unwrap();
        assert!(body.contains("data-id=\"x\""), "{body}");
        assert!(body.contains(">&lt;X&gt;</a>"), "{body}");
        assert!(body.contains("is not inside a git repository"), "{body}");
        assert_eq!(site.get("/nope").status, 404);
        assert_eq!(site.get("/ext/y").status, 404);
        assert_eq!(
            site.get("/static/app.js").content_type,
            "text/javascript; charset=utf-8"
        );
        let v = site.version();
        site.touch();
        assert_ne!(site.version(), v);
    }
}
