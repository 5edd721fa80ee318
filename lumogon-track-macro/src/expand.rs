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
    match async_trait_body(&mut function.block) {
        Some(inner) => inner.stmts.insert(0, call),
        None => function.block.stmts.insert(0, call),
    }
    function.into_token_stream()
}

/// `#[async_trait]` turns `async fn f() { body }` into
/// `fn f() -> Pin<Box<..>> { Box::pin(async move { body }) }`. Putting the call
/// inside that async block keeps the promise of an `async fn`: the hit is
/// queued when the future is first polled, not when it is created.
fn async_trait_body(block: &mut Block) -> Option<&mut Block> {
    let [Stmt::Expr(Expr::Call(call), None)] = block.stmts.as_mut_slice() else {
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
