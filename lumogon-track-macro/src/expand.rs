//! Code generation: validate the function, then put the tracking call first
//! or, with `outcome`, wrap the body so that its end is seen too.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    Block, Expr, GenericArgument, ItemFn, PathArguments, ReturnType, Stmt, Type, TypeParamBound,
};

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
    if name.outcome {
        return instrument_with_outcome(&name.literal, function);
    }
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

/// `#[track_screen("name", outcome)]`: a guard made when the body starts
/// (queuing the screenview), the body run so that every way out of it
/// (`return`, `?`, the tail) comes back here, then the verdict on what it
/// returned. A panic or a dropped future drops the guard unjudged, which
/// records `panic` or `cancelled`.
///
/// Each form keeps its own timing: a sync body runs in a closure at the
/// call (handed to `call_once`, so that it is an `FnOnce` and may return a
/// borrow of what it captured, such as a field of `&mut self`); an `async
/// fn` body (and an `#[async_trait]` one) runs in an inner `async move`
/// block awaited by the future, so the guard lives in the future; a sync fn
/// returning `impl Future<Output = T>` has its future wrapped, so the
/// screenview moves to its first poll.
fn instrument_with_outcome(literal: &syn::LitStr, mut function: ItemFn) -> TokenStream {
    // Mixed-site: the body cannot see these, nor they the body's names.
    let guard = Ident::new("__lumogon_track_outcome", Span::mixed_site());
    let ret = Ident::new("__lumogon_track_ret", Span::mixed_site());
    let start = quote! {
        let #guard = ::lumogon_track::__private::Tracked::start(#literal);
    };
    // A copy to rewrite (syn's Clone is left out to keep its build small).
    let declared: Option<Type> = match &function.sig.output {
        ReturnType::Type(_, ty) => syn::parse2(ty.to_token_stream()).ok(),
        ReturnType::Default => None,
    };
    // The verdict carries the span of the type judged, so that a type that
    // cannot be judged is an error at that type, with Judge's message.
    let name_span = function.sig.ident.span();
    let judge = |judged: Option<&Type>| {
        let span = judged.map_or(name_span, Spanned::span);
        let span = span.resolved_at(Span::mixed_site());
        let ret = Ident::new("__lumogon_track_ret", span);
        let guard = Ident::new("__lumogon_track_outcome", span);
        quote_spanned! {span=>
            ::lumogon_track::__private::Tracked::end(#guard, &#ret);
        }
    };

    if let Some(inner) = async_trait_body(&mut function) {
        let output = declared.as_ref().and_then(future_output);
        let end = judge(output.or(declared.as_ref()));
        let stmts = &inner.stmts;
        let body: Vec<Stmt> = syn::parse_quote! {
            #start
            let #ret = async move { #(#stmts)* }.await;
            #end
            #ret
        };
        inner.stmts = body;
        return function.into_token_stream();
    }

    let block = &function.block;
    let body: TokenStream = if function.sig.asyncness.is_some() {
        let end = judge(declared.as_ref());
        // As async-trait does: a return that is never taken, first, so that
        // the inner block's output is the declared type before the body is
        // checked (coercions to it, `?` into it).
        let mut erased = declared.unwrap_or_else(|| syn::parse_quote!(()));
        erase_impl_trait(&mut erased);
        let stmts = &block.stmts;
        quote! {
            #start
            let #ret = async move {
                if let ::core::option::Option::Some(#ret) = ::core::option::Option::None::<#erased> {
                    #[allow(unreachable_code)]
                    return #ret;
                }
                #(#stmts)*
            }
            .await;
            #end
            #ret
        }
    } else if let Some(output) = declared.as_ref().and_then(returned_future) {
        let end = judge(Some(output));
        let future = Ident::new("__lumogon_track_future", Span::mixed_site());
        quote! {
            let #future = ::lumogon_track::__private::call_once(move || #block);
            async move {
                #start
                let #ret = #future.await;
                #end
                #ret
            }
        }
    } else {
        let end = judge(declared.as_ref());
        let closure = match declared {
            Some(mut ty) => {
                erase_impl_trait(&mut ty);
                quote!(move || -> #ty #block)
            }
            None => quote!(move || #block),
        };
        quote! {
            #start
            let #ret = ::lumogon_track::__private::call_once(#closure);
            #end
            #ret
        }
    };
    function.block.stmts = vec![Stmt::Expr(Expr::Verbatim(quote!({ #body })), None)];
    function.into_token_stream()
}

/// `T` when `ty` is `impl Future<Output = T> (+ ..)`: what a sync fn that
/// returns a future gives.
fn returned_future(ty: &Type) -> Option<&Type> {
    match ty {
        Type::ImplTrait(imp) => output_binding(imp.bounds.iter()),
        Type::Paren(p) => returned_future(&p.elem),
        Type::Group(g) => returned_future(&g.elem),
        _ => None,
    }
}

/// The `Output` of the future in a return type, also one boxed and pinned
/// (`Pin<Box<dyn Future<Output = T> + Send + 'a>>`, as `#[async_trait]`
/// writes it).
fn future_output(ty: &Type) -> Option<&Type> {
    match ty {
        Type::ImplTrait(imp) => output_binding(imp.bounds.iter()),
        Type::TraitObject(obj) => output_binding(obj.bounds.iter()),
        Type::Paren(p) => future_output(&p.elem),
        Type::Group(g) => future_output(&g.elem),
        Type::Path(path) => match &path.path.segments.last()?.arguments {
            PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
                GenericArgument::Type(ty) => future_output(ty),
                _ => None,
            }),
            _ => None,
        },
        _ => None,
    }
}

fn output_binding<'a>(mut bounds: impl Iterator<Item = &'a TypeParamBound>) -> Option<&'a Type> {
    bounds.find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let last = bound.path.segments.last()?;
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        if last.ident != "Future" {
            return None;
        }
        args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

/// `impl Trait` cannot be written where the body's type is spelled out again
/// (a closure's return type, a turbofish): each becomes `_`, inferred from
/// the body, as tracing-attributes and async-trait do.
fn erase_impl_trait(ty: &mut Type) {
    match ty {
        Type::ImplTrait(_) => *ty = Type::Infer(syn::parse_quote!(_)),
        Type::Array(t) => erase_impl_trait(&mut t.elem),
        Type::Group(t) => erase_impl_trait(&mut t.elem),
        Type::Paren(t) => erase_impl_trait(&mut t.elem),
        Type::Ptr(t) => erase_impl_trait(&mut t.elem),
        Type::Reference(t) => erase_impl_trait(&mut t.elem),
        Type::Slice(t) => erase_impl_trait(&mut t.elem),
        Type::Tuple(t) => t.elems.iter_mut().for_each(erase_impl_trait),
        Type::Path(t) => {
            for segment in &mut t.path.segments {
                if let PathArguments::AngleBracketed(args) = &mut segment.arguments {
                    for arg in &mut args.args {
                        match arg {
                            GenericArgument::Type(ty) => erase_impl_trait(ty),
                            GenericArgument::AssocType(assoc) => erase_impl_trait(&mut assoc.ty),
                            _ => {}
                        }
                    }
                }
            }
        }
        _ => {}
    }
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

    fn with_outcome(item: TokenStream) -> String {
        let function: ItemFn = syn::parse2(item).expect("a function");
        let name = ScreenName::from_args(quote!("s", outcome)).expect("arguments");
        instrument(name, function).to_string()
    }

    const START: &str =
        "let __lumogon_track_outcome = :: lumogon_track :: __private :: Tracked :: start (\"s\") ;";
    const END: &str = ":: lumogon_track :: __private :: Tracked :: end (__lumogon_track_outcome , & __lumogon_track_ret) ; __lumogon_track_ret";

    #[test]
    fn without_the_option_the_body_only_gains_its_first_statement() {
        let out = expanded(quote! {
            fn f() -> Result<(), E> { #![allow(unused)] work()?; Ok(()) }
        });
        assert_eq!(
            out,
            "fn f () -> Result < () , E > { # ! [allow (unused)] :: lumogon_track :: __private :: screen (\"s\") ; work () ? ; Ok (()) }"
        );
    }

    #[test]
    fn a_sync_body_runs_in_a_closure_of_the_declared_type_and_is_judged() {
        let out = with_outcome(quote! {
            fn f(&self) -> Result<u8, E> { #![allow(unused)] let n = work()?; Ok(n) }
        });
        let expected = format!(
            "fn f (& self) -> Result < u8 , E > {{ # ! [allow (unused)] {{ {START} \
             let __lumogon_track_ret = :: lumogon_track :: __private :: call_once (move || -> Result < u8 , E > {{ let n = work () ? ; Ok (n) }}) ; \
             {END} }} }}"
        );
        assert_eq!(out, expected);
    }

    #[test]
    fn impl_trait_in_a_sync_return_type_is_inferred_in_the_closure() {
        let out = with_outcome(quote! {
            fn f() -> Result<impl Display, E> { Ok(1) }
        });
        assert!(
            out.contains("call_once (move || -> Result < _ , E > { Ok (1) })"),
            "{out}"
        );
        let out = with_outcome(quote! { fn f() { work() } });
        assert!(out.contains("call_once (move || { work () })"), "{out}");
    }

    #[test]
    fn an_async_body_runs_in_an_inner_async_block_awaited_after_the_guard() {
        let out = with_outcome(quote! {
            async fn f() -> Result<(), E> { work().await?; Ok(()) }
        });
        let expected = format!(
            "async fn f () -> Result < () , E > {{ {{ {START} \
             let __lumogon_track_ret = async move {{ \
             if let :: core :: option :: Option :: Some (__lumogon_track_ret) = :: core :: option :: Option :: None :: < Result < () , E > > {{ \
             # [allow (unreachable_code)] return __lumogon_track_ret ; }} \
             work () . await ? ; Ok (()) }} . await ; \
             {END} }} }}"
        );
        assert_eq!(out, expected);
    }

    #[test]
    fn an_async_trait_body_is_wrapped_inside_its_async_block() {
        let out = with_outcome(quote! {
            fn f(&self) -> Pin<Box<dyn Future<Output = Result<(), E>> + Send>> {
                Box::pin(async move { let __self = self; work().await })
            }
        });
        let expected = format!(
            "Box :: pin (async move {{ {START} \
             let __lumogon_track_ret = async move {{ let __self = self ; work () . await }} . await ; \
             {END} }})"
        );
        assert!(out.contains(&expected), "{out}");
    }

    #[test]
    fn a_returned_future_is_wrapped_so_the_guard_starts_at_first_poll() {
        let out = with_outcome(quote! {
            fn f() -> impl Future<Output = bool> + Send { let n = 1; async move { n == 1 } }
        });
        let expected = format!(
            "{{ {{ let __lumogon_track_future = :: lumogon_track :: __private :: call_once (move || {{ let n = 1 ; async move {{ n == 1 }} }}) ; \
             async move {{ {START} let __lumogon_track_ret = __lumogon_track_future . await ; {END} }} }} }}"
        );
        assert!(out.ends_with(&expected), "{out}");
    }

    #[test]
    fn the_type_judged_is_a_futures_output() {
        // The verdict is spanned to it (checked by ui/analytics/*_is_not_judged).
        let ty: Type =
            syn::parse_quote!(Pin<Box<dyn Future<Output = Option<u8>> + Send + 'static>>);
        let output = future_output(&ty).map(|t| t.to_token_stream().to_string());
        assert_eq!(output.as_deref(), Some("Option < u8 >"));
        let ty: Type = syn::parse_quote!(impl Future<Output = String> + Send);
        let output = returned_future(&ty).map(|t| t.to_token_stream().to_string());
        assert_eq!(output.as_deref(), Some("String"));
        let ty: Type = syn::parse_quote!(impl Iterator<Item = u8>);
        assert!(returned_future(&ty).is_none());
    }

    #[cfg(not(feature = "analytics"))]
    #[test]
    fn compiled_out_the_option_leaves_the_function_as_written() {
        let item = quote! {
            fn f(&self) -> String { #![allow(unused)] String::new() }
        };
        let out = track_screen(quote!("s", outcome), item.clone());
        assert_eq!(out.to_string(), item.to_string());
        // The arguments are still checked.
        let out = track_screen(quote!("s", outcom), item).to_string();
        assert!(out.contains("unknown option `outcom`"), "{out}");
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
