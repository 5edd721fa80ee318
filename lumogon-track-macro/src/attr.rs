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
