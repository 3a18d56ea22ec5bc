//! The `uniffi-bindgen` of exactly the uniffi version this crate links (feature `cli`).
fn main() {
    uniffi::uniffi_bindgen_main()
}
