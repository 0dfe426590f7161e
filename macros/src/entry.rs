//! The expansion of `#[zio::main]` and `#[zio::test]`, on
//! `proc_macro2` token streams so unit tests can drive it.
//!
//! ```text
//! #[zio::main]                  fn main() -> R {
//! async fn main() -> R {   =>       let body = async move { BODY };
//!     BODY                          let rt = ::zio::runtime::Builder::new_multi_thread()
//! }                                     .enable_all()
//!                                       .build()
//!                                       .expect("Failed building the Runtime");
//!                                   return rt.block_on(body);
//!                               }
//! ```
//!
//! On any error the function is still emitted, expanded as well as it can
//! be, next to a `compile_error!`: IDEs keep their completions and the user
//! sees the one real error, not a cascade.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::ItemFn;

use crate::config::{Config, Flavor, Kind};

/// `#[zio::main]`.
pub(crate) fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Main, args, item)
}

/// `#[zio::test]`.
pub(crate) fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Test, args, item)
}

fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let input: ItemFn = match syn::parse2(item.clone()) {
        Ok(input) => input,
        Err(e) => return with_error(item, e),
    };
    let mut errors = check_fn(kind, &input);
    let (config, arg_errors) = Config::parse(kind, args);
    if let Some(e) = arg_errors {
        push_error(&mut errors, e);
    }
    // A second `#[test]`, or `#[test]` on a function with arguments, would
    // only add a rustc error on top of ours.
    let add_test_attr =
        kind == Kind::Test && input.sig.inputs.is_empty() && !input.attrs.iter().any(is_test_attr);
    let expanded = expand_fn(input, &config, add_test_attr);
    match errors {
        Some(e) => with_error(expanded, e),
        None => expanded,
    }
}

/// Checks what the macro needs of the function itself.
fn check_fn(kind: Kind, input: &ItemFn) -> Option<syn::Error> {
    let mut errors = None;
    let sig = &input.sig;
    if sig.asyncness.is_none() {
        let msg = "the `async` keyword is missing from the function declaration";
        push_error(&mut errors, syn::Error::new_spanned(sig.fn_token, msg));
    }
    if !sig.inputs.is_empty() {
        let msg = match kind {
            Kind::Main if sig.ident == "main" => Some("the `main` function cannot take arguments"),
            Kind::Main => None,
            Kind::Test => Some("a test function cannot take arguments"),
        };
        if let Some(msg) = msg {
            push_error(&mut errors, syn::Error::new_spanned(&sig.inputs, msg));
        }
    }
    if kind == Kind::Test {
        if let Some(attr) = input.attrs.iter().find(|a| is_test_attr(a)) {
            let msg = "second test attribute is supplied: #[zio::test] already adds #[test]; \
                       remove this one";
            push_error(&mut errors, syn::Error::new_spanned(attr, msg));
        }
    }
    errors
}

/// Whether `attr` is the built-in `#[test]`, however it is spelled
/// (`test`, `core::prelude::v1::test`, `::std::prelude::rust_2021::test`).
fn is_test_attr(attr: &syn::Attribute) -> bool {
    let segments = &attr.path().segments;
    let Some(last) = segments.last() else {
        return false;
    };
    if last.ident != "test" {
        return false;
    }
    if segments.len() == 1 {
        return attr.path().leading_colon.is_none();
    }
    let first = &segments[0].ident;
    (first == "core" || first == "std") && segments.len() == 4 && segments[1].ident == "prelude"
}

/// Turns the `async fn` into a plain one running its body on a runtime.
fn expand_fn(mut input: ItemFn, config: &Config, add_test_attr: bool) -> TokenStream {
    input.sig.asyncness = None;
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = input;

    // The body's `let` takes the start span of the body's last statement and
    // `rt.block_on(body)` runs from its start to its end, so a type mismatch
    // between what the body returns and the declared return type is reported
    // on the user's code rather than on the attribute.
    let (last_start, last_end) = last_stmt_spans(&block);
    let rt = Ident::new("rt", last_start);

    let crate_path = &config.crate_path;
    let builder = match config.flavor {
        Flavor::CurrentThread => quote!(#crate_path::runtime::Builder::new_current_thread()),
        Flavor::MultiThread => quote!(#crate_path::runtime::Builder::new_multi_thread()),
    };
    let worker_threads = config.worker_threads.map(|n| quote!(.worker_threads(#n)));
    let body = quote_spanned!(last_start=> let body = async move #block;);
    let run = quote_spanned! {last_end=>
        #[allow(
            clippy::expect_used,
            clippy::diverging_sub_expression,
            clippy::needless_return
        )]
        {
            let #rt = #builder
                #worker_threads
                .enable_all()
                .build()
                .expect("Failed building the Runtime");
            return #rt.block_on(body);
        }
    };
    let test_attr = add_test_attr.then(|| quote!(#[::core::prelude::v1::test]));
    quote! {
        #test_attr
        #(#attrs)*
        #vis #sig {
            #body
            #run
        }
    }
}

/// The spans of the first and last token of the block's last statement, or
/// of its braces when it is empty.
fn last_stmt_spans(block: &syn::Block) -> (Span, Span) {
    let Some(last) = block.stmts.last() else {
        let span = block.brace_token.span;
        return (span.open(), span.close());
    };
    let mut tokens = last.to_token_stream().into_iter();
    let start = tokens.next().map_or_else(Span::call_site, |t| t.span());
    let end = tokens.last().map_or(start, |t: TokenTree| t.span());
    (start, end)
}

fn push_error(errors: &mut Option<syn::Error>, e: syn::Error) {
    match errors {
        Some(errors) => errors.combine(e),
        None => *errors = Some(e),
    }
}

fn with_error(mut tokens: TokenStream, e: syn::Error) -> TokenStream {
    tokens.extend(e.into_compile_error());
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expansion as a string without spaces, for `contains` checks.
    fn squash(tokens: TokenStream) -> String {
        tokens.to_string().replace(' ', "")
    }

    fn expanded(kind: Kind, args: TokenStream, item: TokenStream) -> String {
        squash(expand(kind, args, item))
    }

    /// The messages of the `compile_error!`s in an expansion.
    fn errors(tokens: TokenStream) -> Vec<String> {
        let file: syn::File = syn::parse2(tokens).expect("expansion parses as items");
        file.items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Macro(m)
                    if m.mac.path.segments.last().unwrap().ident == "compile_error" =>
                {
                    let lit: syn::LitStr = m.mac.parse_body().unwrap();
                    Some(lit.value())
                }
                _ => None,
            })
            .collect()
    }

    fn the_fn(tokens: TokenStream) -> ItemFn {
        let file: syn::File = syn::parse2(tokens).unwrap();
        file.items
            .into_iter()
            .find_map(|item| match item {
                syn::Item::Fn(f) => Some(f),
                _ => None,
            })
            .expect("expansion has a fn")
    }

    #[test]
    fn main_defaults_to_multi_thread() {
        let out = expanded(
            Kind::Main,
            quote!(),
            quote!(
                async fn main() {}
            ),
        );
        assert!(
            out.contains("::zio::runtime::Builder::new_multi_thread()"),
            "{out}"
        );
        assert!(!out.contains("worker_threads"), "{out}");
        assert!(
            out.contains(
                ".enable_all().build().expect(\"FailedbuildingtheRuntime\");returnrt.block_on(body);"
            ),
            "{out}"
        );
        assert!(out.contains("letbody=asyncmove{};"), "{out}");
        assert!(!out.contains("test"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn main_output_is_a_sync_fn_with_the_same_signature() {
        let item = quote! {
            /// Docs.
            #[allow(unused)]
            pub(crate) async fn main() -> Result<(), std::io::Error> {
                Ok(())
            }
        };
        let f = the_fn(expand(Kind::Main, quote!(), item));
        assert!(f.sig.asyncness.is_none());
        assert_eq!(f.sig.ident, "main");
        assert_eq!(
            squash(f.sig.output.to_token_stream()),
            "->Result<(),std::io::Error>"
        );
        assert_eq!(squash(f.vis.to_token_stream()), "pub(crate)");
        let attrs: Vec<String> = f
            .attrs
            .iter()
            .map(|a| squash(a.to_token_stream()))
            .collect();
        assert_eq!(attrs, ["#[doc=r\"Docs.\"]", "#[allow(unused)]"]);
    }

    #[test]
    fn body_goes_into_an_async_move_block() {
        let item = quote! {
            async fn main() -> u32 {
                if true { return 1; }
                2
            }
        };
        let out = expanded(Kind::Main, quote!(), item);
        assert!(out.contains("letbody=asyncmove{if"), "{out}");
        assert!(out.contains("letrt=::zio::runtime::Builder"), "{out}");
    }

    #[test]
    fn main_with_worker_threads() {
        let args = quote!(flavor = "multi_thread", worker_threads = 4);
        let out = expanded(
            Kind::Main,
            args,
            quote!(
                async fn main() {}
            ),
        );
        assert!(
            out.contains("new_multi_thread().worker_threads(4usize).enable_all()"),
            "{out}"
        );
    }

    #[test]
    fn main_current_thread() {
        let args = quote!(flavor = "current_thread");
        let out = expanded(
            Kind::Main,
            args,
            quote!(
                async fn main() {}
            ),
        );
        assert!(
            out.contains("Builder::new_current_thread().enable_all()"),
            "{out}"
        );
    }

    #[test]
    fn crate_rename() {
        let args = quote!(crate = "my_zio");
        let out = expanded(
            Kind::Main,
            args,
            quote!(
                async fn main() {}
            ),
        );
        assert!(
            out.contains("letrt=my_zio::runtime::Builder::new_multi_thread()"),
            "{out}"
        );
        assert!(!out.contains("::zio"), "{out}");
    }

    #[test]
    fn test_defaults_to_current_thread_and_adds_test_attr() {
        let item = quote! {
            #[should_panic]
            async fn it_works() { assert!(false); }
        };
        let out = expanded(Kind::Test, quote!(), item);
        assert!(
            out.starts_with("#[::core::prelude::v1::test]#[should_panic]fnit_works()"),
            "{out}"
        );
        assert!(out.contains("Builder::new_current_thread()"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn test_multi_thread_with_workers() {
        let args = quote!(flavor = "multi_thread", worker_threads = 2);
        let out = expanded(
            Kind::Test,
            args,
            quote!(
                async fn t() {}
            ),
        );
        assert!(
            out.contains("new_multi_thread().worker_threads(2usize)"),
            "{out}"
        );
    }

    #[test]
    fn test_returning_result() {
        let item = quote!(
            async fn t() -> Result<(), std::io::Error> {
                Ok(())
            }
        );
        let f = the_fn(expand(Kind::Test, quote!(), item));
        assert_eq!(
            squash(f.sig.output.to_token_stream()),
            "->Result<(),std::io::Error>"
        );
    }

    #[test]
    fn missing_async() {
        let out = expand(
            Kind::Main,
            quote!(),
            quote!(
                fn main() {}
            ),
        );
        assert_eq!(
            errors(out.clone()),
            ["the `async` keyword is missing from the function declaration"]
        );
        // The function is still there, expanded.
        let f = the_fn(out);
        assert_eq!(f.sig.ident, "main");

        let out = expand(
            Kind::Test,
            quote!(),
            quote!(
                fn t() {}
            ),
        );
        assert_eq!(
            errors(out),
            ["the `async` keyword is missing from the function declaration"]
        );
    }

    #[test]
    fn main_with_arguments() {
        let out = expand(
            Kind::Main,
            quote!(),
            quote!(
                async fn main(x: u32) {}
            ),
        );
        assert_eq!(errors(out), ["the `main` function cannot take arguments"]);
        // Another function name is fine: its arguments move into the body.
        let out = expand(
            Kind::Main,
            quote!(),
            quote!(
                async fn run(x: u32) -> u32 {
                    x
                }
            ),
        );
        assert!(errors(out.clone()).is_empty());
        assert_eq!(the_fn(out).sig.inputs.len(), 1);
    }

    #[test]
    fn test_with_arguments() {
        let out = expand(
            Kind::Test,
            quote!(),
            quote!(
                async fn t(x: u32) {}
            ),
        );
        assert_eq!(
            errors(out.clone()),
            ["a test function cannot take arguments"]
        );
        // No `#[test]` on it, so rustc does not pile on a second error.
        assert!(!squash(out).contains("prelude::v1::test"));
    }

    #[test]
    fn second_test_attribute() {
        for attr in [
            quote!(#[test]),
            quote!(#[core::prelude::v1::test]),
            quote!(#[::std::prelude::rust_2021::test]),
        ] {
            let item = quote!(#attr async fn t() {});
            let out = expand(Kind::Test, quote!(), item);
            let errs = errors(out.clone());
            assert_eq!(errs.len(), 1, "{errs:?}");
            assert!(
                errs[0].starts_with("second test attribute is supplied"),
                "{errs:?}"
            );
            let f = the_fn(out);
            assert_eq!(f.attrs.len(), 1, "only the user's attribute is left");
        }
        // Other attributes named like a test are not `#[test]`.
        let item = quote!(
            #[my::test]
            async fn t() {}
        );
        assert!(errors(expand(Kind::Test, quote!(), item)).is_empty());
    }

    #[test]
    fn bad_arguments_still_emit_the_function() {
        let out = expand(
            Kind::Test,
            quote!(bogus = 1),
            quote!(
                async fn t() {
                    work().await
                }
            ),
        );
        let errs = errors(out.clone());
        assert_eq!(errs.len(), 1);
        assert!(errs[0].starts_with("unknown argument `bogus`"), "{errs:?}");
        let out = squash(out);
        assert!(out.contains("#[::core::prelude::v1::test]fnt()"), "{out}");
        assert!(out.contains("work().await"), "{out}");
        assert!(out.contains("new_current_thread"), "{out}");
    }

    #[test]
    fn worker_threads_errors_expand_without_workers() {
        let out = expand(
            Kind::Test,
            quote!(worker_threads = 2),
            quote!(
                async fn t() {}
            ),
        );
        assert_eq!(errors(out.clone()).len(), 1);
        let out = squash(out);
        assert!(!out.contains(".worker_threads("), "{out}");
        assert!(out.contains("new_current_thread"), "{out}");
    }

    #[test]
    fn unparsable_item_is_returned_as_is() {
        let item = quote!(
            struct NotAFn;
        );
        let out = expand(Kind::Main, quote!(), item);
        let out = squash(out);
        assert!(out.starts_with("structNotAFn;"), "{out}");
        assert!(out.contains("compile_error"), "{out}");
    }

    #[test]
    fn all_errors_at_once() {
        let out = expand(
            Kind::Test,
            quote!(nope = 1),
            quote!(
                fn t(x: u8) {}
            ),
        );
        assert_eq!(errors(out).len(), 3);
    }
}
