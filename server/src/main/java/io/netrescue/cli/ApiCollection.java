package io.netrescue.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.function.Predicate;
import picocli.CommandLine.Parameters;
import tools.jackson.core.type.TypeReference;

/**
 * The subcommands {@code host} and {@code profile} share over one collection of the API
 * ({@code hosts}, {@code profiles}): list it as a table, show one item by NAME, remove one. Each
 * command subclasses one of these with its own {@code @Command} (name, description) and output.
 */
final class ApiCollection {
    private ApiCollection() {}

    /** {@code list}: GET the collection, print a table (JSON with --json). */
    abstract static class ListAll<T> extends ApiCommand {
        private final String path;
        private final TypeReference<List<T>> type;
        private final String[] header;

        ListAll(String path, TypeReference<List<T>> type, String... header) {
            this.path = path;
            this.type = type;
            this.header = header;
        }

        /** The table row of one item, a cell per header column. */
        abstract Object[] row(T item);

        /** Which items to show; made before the request, so that bad options fail first. */
        Predicate<T> filter() {
            return item -> true;
        }

        @Override
        public Integer call() {
            Predicate<T> keep = filter();
            List<T> items = opts.client().get(path, type).stream().filter(keep).toList();
            return Out.emit(spec, opts.json, items, out -> {
                Table t = new Table(header);
                for (T item : items) t.row(row(item));
                t.print(out);
            });
        }
    }

    /** {@code show NAME}: GET one item, print it line by line (JSON with --json). */
    abstract static class Show<T> extends ApiCommand {
        @Parameters(paramLabel = "NAME") String name;
        private final String path;
        private final Class<T> type;

        Show(String path, Class<T> type) {
            this.path = path;
            this.type = type;
        }

        abstract void print(PrintWriter out, T item);

        @Override
        public Integer call() {
            T item = opts.client().send("GET", path + "/" + Out.path(name), null, type);
            return Out.emit(spec, opts.json, item, out -> print(out, item));
        }
    }

    /** {@code rm NAME}: DELETE one item and say so (nothing with --json). */
    abstract static class Remove extends ApiCommand {
        @Parameters(paramLabel = "NAME") String name;
        private final String path;
        private final String noun;

        Remove(String path, String noun) {
            this.path = path;
            this.noun = noun;
        }

        @Override
        public Integer call() {
            opts.client().send("DELETE", path + "/" + Out.path(name), null, Void.class);
            if (!opts.json) spec.commandLine().getOut().println("removed " + noun + " " + name);
            return 0;
        }
    }
}
