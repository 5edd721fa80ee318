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
                format!("missing screen name: {USAGE}"),
            ));
        }
        let name: ScreenName = syn::parse2(args)?;
        name.validate()?;
        Ok(name)
    }

    fn validate(&self) -> syn::Result<()> {
        let lit = &self.literal;
        if !lit.suffix().is_empty() {
            return Err(syn::Error::new_spanned(
                lit,
                format!("a screen name takes no literal suffix: {USAGE}"),
            ));
        }
        let value = lit.value();
        if value.is_empty() {
            return Err(syn::Error::new_spanned(
                lit,
                format!("the screen name is empty: {USAGE}"),
            ));
        }
        if value.len() > MAX_SCREEN_NAME_BYTES {
            return Err(syn::Error::new_spanned(
                lit,
                format!(
                    "the screen name is {} bytes long; the limit is {MAX_SCREEN_NAME_BYTES} bytes",
                    value.len()
                ),
            ));
        }
        if let Some(c) = value.chars().find(|c| c.is_control()) {
            return Err(syn::Error::new_spanned(
                lit,
                format!(
                    "the screen name contains the control character {:?}; use printable characters only",
                    c
                ),
            ));
        }
        Ok(())
    }
}

impl Parse for ScreenName {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if !input.peek(LitStr) {
            return Err(input.error(format!("expected a string literal: {USAGE}")));
        }
        let literal: LitStr = input.parse()?;
        if !input.is_empty() {
            return Err(input.error(format!("expected exactly one screen name: {USAGE}")));
        }
        Ok(ScreenName { literal })
    }
}
