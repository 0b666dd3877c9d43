fn main() {
    allot::mount();
}
