package io.netrescue.archfixture.cycle.a;

/** Half of a package cycle (ArchitectureTest). */
public final class A {
    public io.netrescue.archfixture.cycle.b.B b() {
        return null;
    }
}
