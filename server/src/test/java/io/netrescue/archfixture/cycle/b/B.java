package io.netrescue.archfixture.cycle.b;

/** The other half of a package cycle (ArchitectureTest). */
public final class B {
    public io.netrescue.archfixture.cycle.a.A a() {
        return null;
    }
}
