//! The arguments of `#[zio::main(...)]` and `#[zio::test(...)]`.
//!
//! [`Config::parse`] always returns a usable configuration, plus the errors
//! it met: the caller expands the function with whatever was understood and
//! emits the errors beside it, so one bad argument does not bury the user's
//! code under secondary errors.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, Lit, Meta, MetaNameValue, Token};

/// Which of the two macros is expanding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Main,
    Test,
}

impl Kind {
    /// The macro's name as users write it, for messages.
    fn name(self) -> &'static str {
        match self {
            Kind::Main => "main",
            Kind::Test => "test",
        }
    }
}

/// The runtime flavor to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    CurrentThread,
    MultiThread,
}

impl Flavor {
    fn from_name(s: &str) -> Option<Flavor> {
        match s {
            "current_thread" => Some(Flavor::CurrentThread),
            "multi_thread" => Some(Flavor::MultiThread),
            _ => None,
        }
    }
}

/// What the arguments asked for, defaults filled in.
pub(crate) struct Config {
    pub(crate) flavor: Flavor,
    pub(crate) worker_threads: Option<usize>,
    pub(crate) crate_path: syn::Path,
}

impl Config {
    /// The configuration used when there are no arguments.
    pub(crate) fn default_for(kind: Kind) -> Config {
        Config {
            flavor: match kind {
                Kind::Main => Flavor::MultiThread,
                Kind::Test => Flavor::CurrentThread,
            },
            worker_threads: None,
            crate_path: syn::parse_quote!(::zio),
        }
    }

    /// Parses the attribute's arguments.
    ///
    /// Returns the configuration understood so far (defaults where an
    /// argument was missing or wrong) and every error found, combined.
    pub(crate) fn parse(kind: Kind, args: TokenStream) -> (Config, Option<syn::Error>) {
        let mut config = Config::default_for(kind);
        let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
            Ok(metas) => metas,
            Err(e) => return (config, Some(e)),
        };
        let mut builder = ArgsBuilder::new(kind);
        for meta in metas {
            builder.add(meta);
        }
        builder.finish(&mut config);
        (config, builder.errors)
    }
}

/// Collects arguments one by one, remembering spans for later checks.
struct ArgsBuilder {
    kind: Kind,
    // Each value with the argument that set it, for error spans.
    flavor: Option<(Flavor, MetaNameValue)>,
    worker_threads: Option<(usize, MetaNameValue)>,
    crate_path: Option<(syn::Path, MetaNameValue)>,
    errors: Option<syn::Error>,
}

impl ArgsBuilder {
    fn new(kind: Kind) -> ArgsBuilder {
        ArgsBuilder {
            kind,
            flavor: None,
            worker_threads: None,
            crate_path: None,
            errors: None,
        }
    }

    fn error(&mut self, e: syn::Error) {
        match &mut self.errors {
            Some(errors) => errors.combine(e),
            None => self.errors = Some(e),
        }
    }

    fn add(&mut self, meta: Meta) {
        let nv = match meta {
            Meta::NameValue(nv) => nv,
            Meta::Path(path) => return self.error(bare_word_error(self.kind, &path)),
            Meta::List(list) => {
                let msg = format!(
                    "unexpected argument list; zio::{} takes `name = value` arguments: {}",
                    self.kind.name(),
                    KNOWN_ARGS
                );
                return self.error(syn::Error::new_spanned(list, msg));
            }
        };
        let name = nv.path.get_ident().map(ToString::to_string);
        match name.as_deref() {
            Some("flavor") => {
                let parsed = parse_flavor(&nv);
                self.set("flavor", nv, parsed, |b| &mut b.flavor);
            }
            Some("worker_threads") => {
                let parsed = parse_worker_threads(&nv);
                self.set("worker_threads", nv, parsed, |b| &mut b.worker_threads);
            }
            Some("crate") => {
                let parsed = parse_crate(&nv);
                self.set("crate", nv, parsed, |b| &mut b.crate_path);
            }
            _ => {
                let path = &nv.path;
                let msg = format!(
                    "unknown argument `{}` to zio::{}; expected one of: {}",
                    quote::quote!(#path).to_string().replace(' ', ""),
                    self.kind.name(),
                    KNOWN_ARGS
                );
                self.error(syn::Error::new_spanned(path, msg));
            }
        }
    }

    /// Stores a parsed argument, or records its error; an argument given
    /// twice is an error at the second one.
    fn set<T>(
        &mut self,
        name: &str,
        nv: MetaNameValue,
        parsed: syn::Result<T>,
        slot: impl FnOnce(&mut ArgsBuilder) -> &mut Option<(T, MetaNameValue)>,
    ) {
        match parsed {
            Err(e) => self.error(e),
            Ok(value) => {
                let slot = slot(self);
                if slot.is_some() {
                    let msg = format!("`{name}` is set more than once");
                    self.error(syn::Error::new_spanned(nv, msg));
                } else {
                    *slot = Some((value, nv));
                }
            }
        }
    }

    /// Checks the arguments against each other and writes them to `config`.
    fn finish(&mut self, config: &mut Config) {
        if let Some((flavor, _)) = &self.flavor {
            config.flavor = *flavor;
        }
        if let Some((path, _)) = self.crate_path.take() {
            config.crate_path = path;
        }
        if let Some((n, nv)) = self.worker_threads.take() {
            if config.flavor == Flavor::MultiThread {
                config.worker_threads = Some(n);
            } else {
                let msg = match self.flavor {
                    Some(_) => "`worker_threads` only applies to the multi-thread runtime; \
                                remove it, or use `flavor = \"multi_thread\"`"
                        .to_string(),
                    None => format!(
                        "`worker_threads` only applies to the multi-thread runtime, and \
                         zio::{} defaults to the current-thread one; \
                         add `flavor = \"multi_thread\"`",
                        self.kind.name()
                    ),
                };
                self.error(syn::Error::new_spanned(nv, msg));
            }
        }
    }
}

const KNOWN_ARGS: &str = "`flavor`, `worker_threads`, `crate`";

/// The error for a bare word such as `#[zio::main(multi_thread)]`.
fn bare_word_error(kind: Kind, path: &syn::Path) -> syn::Error {
    let word = path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default();
    let msg = match word.as_str() {
        "current_thread" | "multi_thread" => {
            format!("set the runtime flavor with `flavor = \"{word}\"`")
        }
        "flavor" | "worker_threads" | "crate" => {
            format!("`{word}` needs a value: `{word} = ...`")
        }
        _ => format!(
            "unknown argument `{word}` to zio::{}; expected one of: {KNOWN_ARGS}",
            kind.name()
        ),
    };
    syn::Error::new_spanned(path, msg)
}

/// The literal on the right of `name = literal`, if it is one.
fn lit(nv: &MetaNameValue) -> Option<&Lit> {
    match &nv.value {
        Expr::Lit(e) => Some(&e.lit),
        _ => None,
    }
}

fn parse_flavor(nv: &MetaNameValue) -> syn::Result<Flavor> {
    let unknown = |what: &str| {
        let msg = format!(
            "unknown runtime flavor {what}; the flavors are \"current_thread\" and \"multi_thread\""
        );
        syn::Error::new_spanned(&nv.value, msg)
    };
    match lit(nv) {
        Some(Lit::Str(s)) => {
            Flavor::from_name(&s.value()).ok_or_else(|| unknown(&format!("\"{}\"", s.value())))
        }
        _ => Err(syn::Error::new_spanned(
            &nv.value,
            "`flavor` takes a string: `flavor = \"current_thread\"` or `flavor = \"multi_thread\"`",
        )),
    }
}

fn parse_worker_threads(nv: &MetaNameValue) -> syn::Result<usize> {
    let not_an_int = || {
        syn::Error::new_spanned(
            &nv.value,
            "`worker_threads` takes a positive integer literal, like `worker_threads = 4`",
        )
    };
    let Some(Lit::Int(int)) = lit(nv) else {
        return Err(not_an_int());
    };
    match int.base10_parse::<usize>() {
        Ok(0) => Err(syn::Error::new_spanned(
            int,
            "`worker_threads` must be at least 1",
        )),
        Ok(n) => Ok(n),
        Err(_) => Err(not_an_int()),
    }
}

fn parse_crate(nv: &MetaNameValue) -> syn::Result<syn::Path> {
    let Some(Lit::Str(s)) = lit(nv) else {
        return Err(syn::Error::new_spanned(
            &nv.value,
            "`crate` takes a path in a string, like `crate = \"my_zio\"`",
        ));
    };
    s.parse::<syn::Path>().map_err(|_| {
        let msg = format!("`crate = \"{}\"` is not a valid path", s.value());
        syn::Error::new_spanned(s, msg)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(kind: Kind, args: TokenStream) -> (Config, Option<String>) {
        let (config, err) = Config::parse(kind, args);
        (config, err.map(|e| e.to_string()))
    }

    fn error(kind: Kind, args: TokenStream) -> String {
        let (_, err) = Config::parse(kind, args);
        err.expect("expected an error").to_string()
    }

    fn path_str(p: &syn::Path) -> String {
        quote!(#p).to_string().replace(' ', "")
    }

    #[test]
    fn defaults() {
        let (main, err) = parse(Kind::Main, quote!());
        assert!(err.is_none());
        assert_eq!(main.flavor, Flavor::MultiThread);
        assert_eq!(main.worker_threads, None);
        assert_eq!(path_str(&main.crate_path), "::zio");

        let (test, err) = parse(Kind::Test, quote!());
        assert!(err.is_none());
        assert_eq!(test.flavor, Flavor::CurrentThread);
    }

    #[test]
    fn all_arguments() {
        let args = quote!(
            flavor = "multi_thread",
            worker_threads = 3,
            crate = "my::zio",
        );
        let (config, err) = parse(Kind::Test, args);
        assert_eq!(err, None);
        assert_eq!(config.flavor, Flavor::MultiThread);
        assert_eq!(config.worker_threads, Some(3));
        assert_eq!(path_str(&config.crate_path), "my::zio");
    }

    #[test]
    fn current_thread_flavor() {
        let (config, err) = parse(Kind::Main, quote!(flavor = "current_thread"));
        assert_eq!(err, None);
        assert_eq!(config.flavor, Flavor::CurrentThread);
    }

    #[test]
    fn worker_threads_on_main_default_is_fine() {
        let (config, err) = parse(Kind::Main, quote!(worker_threads = 8));
        assert_eq!(err, None);
        assert_eq!(config.worker_threads, Some(8));
    }

    #[test]
    fn worker_threads_needs_multi_thread() {
        let e = error(Kind::Test, quote!(worker_threads = 2));
        assert!(
            e.contains("only applies to the multi-thread runtime"),
            "{e}"
        );
        assert!(e.contains("add `flavor = \"multi_thread\"`"), "{e}");

        let e = error(
            Kind::Main,
            quote!(flavor = "current_thread", worker_threads = 2),
        );
        assert!(
            e.contains("remove it, or use `flavor = \"multi_thread\"`"),
            "{e}"
        );
    }

    #[test]
    fn worker_threads_must_be_positive_integer() {
        let e = error(Kind::Main, quote!(worker_threads = 0));
        assert_eq!(e, "`worker_threads` must be at least 1");
        let e = error(Kind::Main, quote!(worker_threads = "4"));
        assert!(e.contains("takes a positive integer literal"), "{e}");
        let e = error(Kind::Main, quote!(worker_threads = -1));
        assert!(e.contains("takes a positive integer literal"), "{e}");
        let e = error(Kind::Main, quote!(worker_threads = 99999999999999999999999));
        assert!(e.contains("takes a positive integer literal"), "{e}");
    }

    #[test]
    fn unknown_argument() {
        let e = error(Kind::Main, quote!(start_paused = true));
        assert_eq!(
            e,
            "unknown argument `start_paused` to zio::main; \
             expected one of: `flavor`, `worker_threads`, `crate`"
        );
        let e = error(Kind::Test, quote!(foo));
        assert!(e.starts_with("unknown argument `foo` to zio::test"), "{e}");
        let e = error(Kind::Test, quote!(foo(bar)));
        assert!(e.contains("unexpected argument list"), "{e}");
    }

    #[test]
    fn bare_flavor_word_gets_a_hint() {
        let e = error(Kind::Main, quote!(multi_thread));
        assert_eq!(e, "set the runtime flavor with `flavor = \"multi_thread\"`");
        let e = error(Kind::Main, quote!(flavor));
        assert_eq!(e, "`flavor` needs a value: `flavor = ...`");
    }

    #[test]
    fn bad_flavor() {
        let e = error(Kind::Main, quote!(flavor = "single"));
        assert!(e.starts_with("unknown runtime flavor \"single\""), "{e}");
        let e = error(Kind::Main, quote!(flavor = multi_thread));
        assert!(e.starts_with("`flavor` takes a string"), "{e}");
    }

    #[test]
    fn bad_crate_path() {
        let e = error(Kind::Main, quote!(crate = "not a path"));
        assert_eq!(e, "`crate = \"not a path\"` is not a valid path");
        let e = error(Kind::Main, quote!(crate = zio));
        assert!(e.starts_with("`crate` takes a path in a string"), "{e}");
    }

    #[test]
    fn duplicate_argument() {
        let e = error(
            Kind::Main,
            quote!(flavor = "multi_thread", flavor = "current_thread"),
        );
        assert_eq!(e, "`flavor` is set more than once");
    }

    #[test]
    fn unparsable_arguments_keep_defaults() {
        let (config, err) = parse(Kind::Test, quote!(flavor =));
        assert!(err.is_some());
        assert_eq!(config.flavor, Flavor::CurrentThread);
    }

    #[test]
    fn good_arguments_survive_a_bad_one() {
        let args = quote!(crate = "other", bogus = 1, flavor = "multi_thread");
        let (config, err) = Config::parse(Kind::Test, args);
        assert!(err.is_some());
        assert_eq!(path_str(&config.crate_path), "other");
        assert_eq!(config.flavor, Flavor::MultiThread);
    }

    #[test]
    fn several_errors_are_all_reported() {
        let (_, err) = Config::parse(Kind::Main, quote!(a = 1, worker_threads = 0));
        let messages: Vec<String> = err.unwrap().into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
    }
}
