"""headers_only: the headers of its deps (their compilation context), none of their code.

A plugin built outside the runner (a cc_binary with linkshared = True, loaded with
--plugin_lib) must compile against core's and proto/'s headers without linking a second copy of
their code: the runner exports its own (-rdynamic, bench/BUILD), and the library's references
resolve against it when it is loaded. A cc_library dep on a cc_proto_library would link the
generated code into the library (checked by tests/bench:bench_test's PluginLib tests, which
look for the generated symbols in the library).
"""

def _headers_only_impl(ctx):
    merged = cc_common.merge_cc_infos(cc_infos = [dep[CcInfo] for dep in ctx.attr.deps])
    return [CcInfo(compilation_context = merged.compilation_context)]

headers_only = rule(
    implementation = _headers_only_impl,
    attrs = {"deps": attr.label_list(providers = [CcInfo])},
    doc = "The compilation context (headers, include paths, defines) of deps, without their code.",
)
