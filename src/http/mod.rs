//! HTTP plumbing the handlers in `routes` share: reading bodies and cookies (the refresh cookie, the portal's), the cross-origin and
//! client-address guard, CORS, default headers, the panic catcher, list paging, and what a route
//! reports to operators. Nothing here answers a route itself.

pub mod body;
pub mod cookie;
pub mod cors;
pub mod guard;
pub mod headers;
pub(crate) mod paging;
pub mod panic;
pub mod portal_cookie;
pub(crate) mod report;
