//! What an outside probe of the public endpoints found (issue 7), one test module per class of
//! fault: forged or ambiguous signed requests, echoed values, long paths and missing headers.

mod echoes;
mod headers;
mod signatures;
