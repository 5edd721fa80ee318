//! Code generation: validate the function, then put the tracking call first.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Block, Expr, ItemFn, Stmt};

use crate::attr::ScreenName;

/// Expands `#[track_screen(args)] item`.
///
/// On an error the original item is emitted after the error, so the caller
/// sees one error and not a second "cannot find function" one.
pub(crate) fn track_screen(args: TokenStream, item: TokenStream) -> TokenStream {
    match expand(args, item.clone()) {
        Ok(tokens) => tokens,
        Err(error) => {
            let mut tokens = error.to_compile_error();
            tokens.extend(item);
            tokens
        }
    }
}

fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    // Both checks run in both modes so that code compiling in one mode
    // compiles in the other.
    let name = ScreenName::from_args(args);
    let function = parse_function(item.clone());
    let (name, function) = match (name, function) {
        (Ok(name), Ok(function)) => (name, function),
        (Err(mut a), Err(b)) => {
            a.combine(b);
            return Err(a);
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };

    if cfg!(feature = "analytics") {
        Ok(instrument(name, function))
    } else {
        // Hand back the very tokens we were given: with analytics off the
        // attribute must leave no trace.
        Ok(item)
    }
}

fn parse_function(item: TokenStream) -> syn::Result<ItemFn> {
    let function: ItemFn = syn::parse2(item.clone()).map_err(|_| not_a_function(item))?;
    if let Some(constness) = &function.sig.constness {
        return Err(syn::Error::new_spanned(
            constness,
            "#[track_screen] cannot apply to a `const fn`: queuing a screenview is a run-time side effect; remove `const` or the attribute",
        ));
    }
    Ok(function)
}

fn not_a_function(item: TokenStream) -> syn::Error {
    // Point at the item's keyword (`struct`, `fn`, ...), past its attributes
    // and visibility, rather than at the whole item.
    let head: TokenStream = item
        .into_iter()
        .find(|tt| matches!(tt, proc_macro2::TokenTree::Ident(ident) if ident != "pub"))
        .map(ToTokens::into_token_stream)
        .unwrap_or_default();
    syn::Error::new_spanned(
        head,
        "#[track_screen] applies only to a function with a body; expected #[track_screen(\"screen name\")] fn handler() { ... }",
    )
}

fn instrument(name: ScreenName, mut function: ItemFn) -> TokenStream {
    let literal = name.literal;
    // An absolute path, so no name in the caller's scope can shadow it.
    let call: Stmt = syn::parse_quote! {
        ::lumogon_track::__private::screen(#literal);
    };
    match async_trait_body(&mut function) {
        Some(inner) => inner.stmts.insert(0, call),
        None => function.block.stmts.insert(0, call),
    }
    function.into_token_stream()
}

/// The rule for `#[async_trait]`, which turns `async fn f() { body }` into
/// `fn f() -> Pin<Box<..>> { Box::pin(async move { body }) }` before this
/// attribute sees it (when it is listed first): a function that is not
/// `async` and whose body is exactly one tail expression
/// `<path ending in Box::pin>(async <move> { .. })` gets the call inside
/// that async block, so that, as for an `async fn`, the hit is queued when
/// the future is first polled, not when it is created. An `async fn` is
/// never looked into (its body runs at first poll already), the way
/// tracing-attributes' `AsyncInfo` returns early; any other body gets the
/// call first.
fn async_trait_body(function: &mut ItemFn) -> Option<&mut Block> {
    if function.sig.asyncness.is_some() {
        return None;
    }
    let [Stmt::Expr(Expr::Call(call), None)] = function.block.stmts.as_mut_slice() else {
        return None;
    };
    let Expr::Path(func) = call.func.as_ref() else {
        return None;
    };
    let segments: Vec<String> = func
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if !segments.ends_with(&["Box".to_owned(), "pin".to_owned()]) || call.args.len() != 1 {
        return None;
    }
    match call.args.first_mut() {
        Some(Expr::Async(async_block)) => Some(&mut async_block.block),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn expanded(item: TokenStream) -> String {
        let function: ItemFn = syn::parse2(item).expect("a function");
        let name = ScreenName::from_args(quote!("s")).expect("a screen name");
        instrument(name, function).to_string()
    }

    #[test]
    fn an_async_trait_body_gets_the_call_inside_its_async_block() {
        let out = expanded(quote! {
            fn f(&self) -> Pin<Box<dyn Future<Output = ()>>> { Box::pin(async move { work().await }) }
        });
        assert!(
            out.contains("Box :: pin (async move { :: lumogon_track"),
            "{out}"
        );
    }

    #[test]
    fn an_async_fn_is_never_looked_into() {
        // An async fn whose body happens to look like async_trait's: the
        // call goes first in the body, which already runs at first poll.
        let out = expanded(quote! {
            async fn f() -> Pin<Box<dyn Future<Output = ()>>> { Box::pin(async move { work().await }) }
        });
        assert!(
            out.contains("{ :: lumogon_track :: __private :: screen"),
            "{out}"
        );
        assert!(!out.contains("async move { :: lumogon_track"), "{out}");
    }

    #[test]
    fn any_other_body_gets_the_call_first() {
        let out = expanded(quote! {
            fn f() -> i32 { Box::pin(1); 2 }
        });
        assert!(
            out.contains("{ :: lumogon_track :: __private :: screen"),
            "{out}"
        );
    }
}
