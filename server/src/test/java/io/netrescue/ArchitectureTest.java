package io.netrescue;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchRule;
import io.netrescue.agent.AgentMain;
import io.netrescue.boot.BootDecider;
import io.netrescue.server.NetrescueServer;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The architecture's rules (docs/architecture.md, "The rules"), checked on the compiled classes of
 * each module. Each rule is also run against a deliberate violation under
 * {@code io.netrescue.archfixture} (test sources), so a rule that stops catching anything fails here.
 */
class ArchitectureTest {
    private static final Path CORE_CLASSES = location(BootDecider.class);
    private static final Path AGENT_CLASSES = location(AgentMain.class);
    private static final Path SERVER_CLASSES = location(NetrescueServer.class);
    private static final JavaClasses CORE = importPaths(CORE_CLASSES);
    private static final JavaClasses AGENT = importPaths(AGENT_CLASSES);
    private static final JavaClasses SERVER = importPaths(SERVER_CLASSES);
    private static final JavaClasses FIXTURES = new ClassFileImporter().importPackages("io.netrescue.archfixture");

    /** Where the module that holds {@code marker} was loaded from: its classes directory or its jar. */
    private static Path location(Class<?> marker) {
        try {
            return Path.of(marker.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JavaClasses importPaths(Path... paths) {
        // a module is a classes directory in the IDE and a jar in a Maven reactor build
        Set<Location> locations = java.util.Arrays.stream(paths).map(p -> java.nio.file.Files.isRegularFile(p)
                ? Location.of(URI.create("jar:" + p.toUri() + "!/")) : Location.of(p)).collect(Collectors.toSet());
        return new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importLocations(locations);
    }

    // ---- the rules --------------------------------------------------------------------------

    /** Every package is a slice; no two may depend on each other, however indirectly. */
    static final ArchRule NO_PACKAGE_CYCLES = slices().matching("io.netrescue.(**)").should().beFreeOfCycles()
            .because("packages import downward only: features over the small shared packages, the wiring (server, cli) on top");

    /** A module may use the JDK and the listed modules' own classes, nothing else. */
    static ArchRule onlyJdkAnd(String module, JavaClasses... allowed) {
        Set<String> names = java.util.Arrays.stream(allowed).flatMap(c -> c.stream()).map(JavaClass::getName).collect(Collectors.toSet());
        DescribedPredicate<JavaClass> ok = DescribedPredicate.describe("the JDK or " + module + "'s own modules", c -> {
            JavaClass base = c.getBaseComponentType();
            return base.isPrimitive() || names.contains(base.getName()) || isJdk(base.getName());
        });
        return classes().should().onlyDependOnClassesThat(ok)
                .because(module + " ships without the server's libraries (core is pure; the agent runs on managed hosts with the JDK alone)");
    }

    private static final java.util.Map<String, Boolean> JDK = new java.util.concurrent.ConcurrentHashMap<>();

    /** Whether the JDK itself (the platform class loader: java.*, javax.crypto, jdk.*...) defines the class. */
    private static boolean isJdk(String name) {
        return JDK.computeIfAbsent(name, n -> {
            try {
                Class.forName(n, false, ClassLoader.getPlatformClassLoader());
                return true;
            } catch (ClassNotFoundException | LinkageError e) {
                return false;
            }
        });
    }

    /** The agent never reaches into the server module. */
    static ArchRule agentWithout(JavaClasses server) {
        Set<String> names = server.stream().map(JavaClass::getName).collect(Collectors.toSet());
        return noClasses().should().dependOnClassesThat(DescribedPredicate.describe("server classes", c -> names.contains(c.getName())))
                .because("the agent runs on managed hosts and ships apart from the server");
    }

    /**
     * Jdbi, and so transactions, stay in the store and in the services that own a use case's
     * transaction ({@code *Service}, {@code KernelTrials}, the {@code Watchdog}'s judge) or a feature's table
     * ({@code *Store}).
     */
    static final ArchRule JDBI_ONLY_IN_STORE_AND_SERVICES = noClasses()
            .that().resideOutsideOfPackage("io.netrescue.store..")
            .and(DescribedPredicate.describe("are not services or stores", (JavaClass c) -> !isServiceOrStore(c)))
            .should().dependOnClassesThat().resideInAPackage("org.jdbi..")
            // a lambda handed to Database.read is not a dependency on Handle in ArchUnit's eyes: name the calls too
            .orShould().callMethodWhere(DescribedPredicate.describe("the target opens a transaction (Database.read, Database.inWriteTransaction)",
                    call -> call.getTargetOwner().getName().equals("io.netrescue.store.Database")
                            && Set.of("read", "inWriteTransaction").contains(call.getName())))
            .because("handlers route and services own transactions, so the API, the CLI and the web console share them");

    private static boolean isServiceOrStore(JavaClass c) {
        String n = (c.isNestedClass() || c.isAnonymousClass() ? c.getEnclosingClass().orElseThrow() : c).getSimpleName();
        return n.endsWith("Service") || n.endsWith("Store") || n.equals("KernelTrials") || n.equals("Watchdog");
    }

    /** Only the wiring (and the CLI that starts it) may import {@code io.netrescue.server}. */
    static final ArchRule FEATURES_DO_NOT_IMPORT_THE_WIRING = noClasses()
            .that().resideOutsideOfPackages("io.netrescue.server", "io.netrescue.cli")
            .should().dependOnClassesThat().resideInAPackage("io.netrescue.server")
            .because("io.netrescue.server wires the features together; a feature that imports it closes a cycle through all of them");

    // ---- checked on the real classes ----------------------------------------------------------

    @Test
    void theModulesWereFound() {
        // a rule over an empty import passes vacuously: make sure each module really was read
        assertThat(CORE.contain(BootDecider.class)).isTrue();
        assertThat(CORE.contain(NetrescueServer.class)).isFalse();
        assertThat(AGENT.contain(AgentMain.class)).isTrue();
        assertThat(SERVER.contain(NetrescueServer.class)).isTrue();
        assertThat(SERVER.size()).isGreaterThan(100);
    }

    @Test
    void noPackageCycleAnywhere() {
        NO_PACKAGE_CYCLES.check(importPaths(CORE_CLASSES, AGENT_CLASSES, SERVER_CLASSES));
    }

    @Test
    void coreDependsOnTheJdkAlone() {
        onlyJdkAnd("core", CORE).check(CORE);
    }

    @Test
    void theAgentDependsOnTheJdkAndCoreAlone() {
        onlyJdkAnd("the agent", AGENT, CORE).check(AGENT);
        agentWithout(SERVER).check(AGENT);
    }

    @Test
    void jdbiStaysInTheStoreAndTheServices() {
        JDBI_ONLY_IN_STORE_AND_SERVICES.check(SERVER);
    }

    @Test
    void featuresDoNotImportTheWiring() {
        FEATURES_DO_NOT_IMPORT_THE_WIRING.check(SERVER);
    }

    // ---- and each rule catches a deliberate violation -----------------------------------------

    @Test
    void eachRuleCatchesItsViolation() {
        JavaClasses cycle = FIXTURES.that(DescribedPredicate.describe("cycle fixture", c -> c.getPackageName().contains(".cycle.")));
        assertThatThrownBy(() -> NO_PACKAGE_CYCLES.check(cycle)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("archfixture.cycle.a").hasMessageContaining("archfixture.cycle.b");

        JavaClasses impure = FIXTURES.that(DescribedPredicate.describe("impure core", c -> c.getSimpleName().equals("ImpureCore")));
        assertThatThrownBy(() -> onlyJdkAnd("core", CORE).check(impure)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("org.slf4j.Logger");

        JavaClasses agent = FIXTURES.that(DescribedPredicate.describe("agent using the server", c -> c.getSimpleName().equals("AgentUsingServer")));
        assertThatThrownBy(() -> agentWithout(SERVER).check(agent)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("io.netrescue.server.ServerConfig");

        JavaClasses handler = FIXTURES.that(DescribedPredicate.describe("handler with a transaction", c -> c.getSimpleName().startsWith("HandlerWithTransaction")));
        assertThatThrownBy(() -> JDBI_ONLY_IN_STORE_AND_SERVICES.check(handler)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("org.jdbi.v3.core.Handle");
        JavaClasses service = FIXTURES.that(DescribedPredicate.describe("a service", c -> c.getSimpleName().startsWith("FixtureService")));
        assertThat(service.size()).isGreaterThan(0);
        JDBI_ONLY_IN_STORE_AND_SERVICES.allowEmptyShould(true).check(service); // the same code in a service is allowed

        JavaClasses feature = FIXTURES.that(DescribedPredicate.describe("feature using the wiring", c -> c.getSimpleName().equals("FeatureUsingWiring")));
        assertThatThrownBy(() -> FEATURES_DO_NOT_IMPORT_THE_WIRING.check(feature)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("io.netrescue.server.ServerConfig");
    }
}
