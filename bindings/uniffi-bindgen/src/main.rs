//! The uniffi-bindgen command line, built from the workspace so the generator
//! always matches the `uniffi` version the `pos-ffi` library was built with.

fn main() {
    uniffi::uniffi_bindgen_main()
}
