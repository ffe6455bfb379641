//! The sign-in portal's parts that decide nothing about sessions: where a browser may be sent
//! after sign-in (redirect) and the HTML pages a person sees (pages).

pub mod pages;
pub mod redirect;

pub use pages::{
    code_page, problem_page, refusal_page, sign_in_page, signed_in_page, CodeForm, SignInForm,
};
pub use redirect::RedirectRule;
