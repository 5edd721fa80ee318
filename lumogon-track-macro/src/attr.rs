//! Parsing and validating the attribute's argument: `#[track_screen("name")]`.

use proc_macro2::TokenStream;
use syn::LitStr;
use syn::parse::{Parse, ParseStream};

/// The Measurement Protocol's limit on a screen name (`cd`), in bytes.
pub(crate) const MAX_SCREEN_NAME_BYTES: usize = 2048;

const USAGE: &str = "expected #[track_screen(\"screen name\")]";

/// A validated screen name, with the literal it came from (for its span).
pub(crate) struct ScreenName {
    pub(crate) literal: LitStr,
}

impl ScreenName {
    /// Parses and validates the attribute's arguments.
    pub(crate) fn from_args(args: TokenStream) -> syn::Result<Self> {
        if args.is_empty() {
            return Err(syn::Error::new(
                proc_macro2::Span::call_site(),
                format!("missing screen name; {USAGE}"),
            ));
        }
        let name: ScreenName = syn::parse2(args)?;
        name.validate()?;
        Ok(name)
    }

    fn validate(&self) -> syn::Result<()> {
        let lit = &self.literal;
        let error = |message: String| Err(syn::Error::new_spanned(lit, message));
        let value = lit.value();
        if !lit.suffix().is_empty() {
            return error(format!("the screen name has a literal suffix; {USAGE}"));
        }
        if value.is_empty() {
            return error(format!("the screen name is empty; {USAGE}"));
        }
        if value.len() > MAX_SCREEN_NAME_BYTES {
            return error(format!(
                "the screen name is {} bytes long; the limit is {MAX_SCREEN_NAME_BYTES} bytes",
                value.len()
            ));
        }
        if let Some(c) = value.chars().find(|c| c.is_control()) {
            return error(format!(
                "the screen name contains the control character {c:?}; use printable characters only"
            ));
        }
        Ok(())
    }
}

impl Parse for ScreenName {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if !input.peek(LitStr) {
            // Point at the whole argument (`std::env::args().nth(1)`), not
            // just its first token, when it parses as an expression at all.
            let message =
                format!("the screen name must be a string literal, fixed at compile time; {USAGE}");
            return Err(match input.fork().parse::<syn::Expr>() {
                Ok(expr) => syn::Error::new_spanned(expr, message),
                Err(_) => input.error(message),
            });
        }
        let literal: LitStr = input.parse()?;
        if !input.is_empty() {
            let rest: TokenStream = input.parse()?;
            return Err(syn::Error::new_spanned(
                rest,
                format!("only one screen name is allowed; {USAGE}"),
            ));
        }
        Ok(ScreenName { literal })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn error(args: TokenStream) -> String {
        match ScreenName::from_args(args) {
            Ok(name) => panic!("accepted {:?}", name.literal.value()),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn one_string_literal_is_accepted() {
        let name =
            ScreenName::from_args(quote!("capabilities describe")).map(|n| n.literal.value());
        assert_eq!(name.ok().as_deref(), Some("capabilities describe"));
        let longest = "x".repeat(MAX_SCREEN_NAME_BYTES);
        assert!(ScreenName::from_args(quote!(#longest)).is_ok());
        assert!(ScreenName::from_args(quote!("ünïcödé ✓")).is_ok());
    }

    #[test]
    fn everything_else_is_an_error_that_says_what_is_expected() {
        assert!(error(quote!()).starts_with("missing screen name; expected #[track_screen("));
        assert!(error(quote!("")).starts_with("the screen name is empty"));
        assert!(error(quote!("a", "b")).starts_with("only one screen name is allowed"));
        assert!(error(quote!(name = "a")).starts_with("the screen name must be a string literal"));
        assert!(error(quote!(NAME)).starts_with("the screen name must be a string literal"));
        assert!(error(quote!(b"a")).starts_with("the screen name must be a string literal"));
        assert!(error(quote!(1)).starts_with("the screen name must be a string literal"));
        assert!(error(quote!("a"x)).starts_with("the screen name has a literal suffix"));
        assert!(error(quote!("a\tb")).contains("control character '\\t'"));
        let too_long = "x".repeat(MAX_SCREEN_NAME_BYTES + 1);
        assert_eq!(
            error(quote!(#too_long)),
            "the screen name is 2049 bytes long; the limit is 2048 bytes"
        );
    }
}
