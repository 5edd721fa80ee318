//! Parsing and validating the attribute's arguments:
//! `#[track_screen("name")]` or `#[track_screen("name", outcome)]`.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

/// The Measurement Protocol's limit on a screen name (`cd`), in bytes.
pub(crate) const MAX_SCREEN_NAME_BYTES: usize = 2048;

const USAGE: &str = "expected #[track_screen(\"screen name\")]";

/// For what follows the name: the form with the option as well.
const USAGE_WITH_OPTION: &str =
    "expected #[track_screen(\"screen name\")] or #[track_screen(\"screen name\", outcome)]";

/// The attribute's validated arguments: the screen name, with the literal it
/// came from (for its span), and the `outcome` option.
pub(crate) struct ScreenName {
    pub(crate) literal: LitStr,
    /// `outcome`: one event when the handler ends, with how it ended and a
    /// coarse duration.
    pub(crate) outcome: bool,
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
        let outcome = parse_options(input)?;
        Ok(ScreenName { literal, outcome })
    }
}

/// After the name: nothing, or `, outcome` (a trailing comma allowed).
fn parse_options(input: ParseStream) -> syn::Result<bool> {
    let mut outcome: Option<Ident> = None;
    while !input.is_empty() {
        if !input.peek(Token![,]) {
            let what = if outcome.is_some() {
                "unexpected tokens after `outcome`"
            } else {
                "only one screen name is allowed"
            };
            let rest: TokenStream = input.parse()?;
            return Err(syn::Error::new_spanned(
                rest,
                format!("{what}; {USAGE_WITH_OPTION}"),
            ));
        }
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        if !input.peek(Ident) {
            let what = if input.peek(LitStr) {
                "only one screen name is allowed"
            } else {
                "expected the option `outcome` after the screen name"
            };
            let rest: TokenStream = input.parse()?;
            return Err(syn::Error::new_spanned(
                rest,
                format!("{what}; {USAGE_WITH_OPTION}"),
            ));
        }
        let option: Ident = input.parse()?;
        if option != "outcome" {
            return Err(syn::Error::new_spanned(
                &option,
                format!("unknown option `{option}`; {USAGE_WITH_OPTION}"),
            ));
        }
        if input.peek(Token![=]) || input.peek(syn::token::Paren) {
            let rest: TokenStream = input.parse()?;
            return Err(syn::Error::new_spanned(
                rest,
                format!("`outcome` takes no value; {USAGE_WITH_OPTION}"),
            ));
        }
        if outcome.is_some() {
            return Err(syn::Error::new_spanned(
                &option,
                format!("`outcome` is given twice; {USAGE_WITH_OPTION}"),
            ));
        }
        outcome = Some(option);
    }
    Ok(outcome.is_some())
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

    fn outcome(args: TokenStream) -> bool {
        match ScreenName::from_args(args) {
            Ok(name) => name.outcome,
            Err(e) => panic!("refused: {e}"),
        }
    }

    #[test]
    fn the_outcome_option_is_accepted_after_the_name() {
        assert!(!outcome(quote!("scan")));
        assert!(outcome(quote!("scan", outcome)));
        assert!(outcome(quote!("scan", outcome,)));
        assert!(!outcome(quote!("scan",)));
    }

    #[test]
    fn a_wrong_option_is_an_error_that_quotes_both_forms() {
        let both = "expected #[track_screen(\"screen name\")] or #[track_screen(\"screen name\", outcome)]";
        let cases = [
            (quote!("s", outcome = true), "`outcome` takes no value"),
            (quote!("s", outcome(true)), "`outcome` takes no value"),
            (quote!("s", outcom), "unknown option `outcom`"),
            (quote!("s", Outcome), "unknown option `Outcome`"),
            (quote!("s", outcome, outcome), "`outcome` is given twice"),
            (
                quote!("s", 1),
                "expected the option `outcome` after the screen name",
            ),
            (quote!("s", "t"), "only one screen name is allowed"),
            (quote!("s" outcome), "only one screen name is allowed"),
            (
                quote!("s", outcome extra),
                "unexpected tokens after `outcome`",
            ),
            (quote!("s", outcome, extra), "unknown option `extra`"),
        ];
        for (args, start) in cases {
            let message = error(args.clone());
            assert_eq!(message, format!("{start}; {both}"), "{args}");
        }
        // The name is checked first, with or without the option.
        assert!(error(quote!("", outcome)).starts_with("the screen name is empty"));
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
