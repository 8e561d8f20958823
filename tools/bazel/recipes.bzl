"""Plugins and their recipes, found by convention: recipes/BUILD calls cifarbench_plugins().

Every folder recipes/<plugin>/ is a plugin (no BUILD file of its own: it is part of the
//recipes package, so that one glob sees every recipe):

    recipes/<plugin>/<plugin>.proto      optional: the plugin's settings message (imports
                                         proto/blocks.proto only)
    recipes/<plugin>/*_settings.cc       optional: registers the settings and their check
                                         (CIFARBENCH_REGISTER_SETTINGS); LibTorch-free
    recipes/<plugin>/*.cc, *.h           the plugin (CIFARBENCH_REGISTER_PLUGIN) and its code
    recipes/<plugin>/<recipe>.textproto  one recipe each: the file stem is its name, the folder
                                         its plugin (tests/recipes/recipe_files_test.cc checks
                                         the text's name: and plugin: against them)

Targets (per plugin p, per recipe r):
    //recipes:p             cc_library: the plugin, its settings and recipes (alwayslink)
    //recipes:p_settings    cc_library: the settings registration alone (LibTorch-free)
    //recipes:p_cc_proto    the settings message's C++ (#include "recipes/p/p.pb.h")
    //recipes:r             `bazel run //recipes:r -- --runs=3` = `bench --recipe=r --runs=3`
    //recipes:all_plugins   every plugin (the runner links it)
    //recipes:all_settings  every plugin's settings alone (config tests, fuzzers)
    //recipes:textprotos    every recipe file (tests/recipes:recipe_files_test's data)
Every plugin may use all of core (_PLUGIN_DEPS). The CMake equivalent is
cifarbench_plugin_folders() in cmake/CifarbenchRecipes.cmake.
"""

load("//tools/bazel:copts.bzl", "CB_COPTS")

_EMBED = "//tools/bazel:embed_recipe.sh"
_RUN = "//tools/bazel:run_recipe.sh"
_RUNNER = "//bench"

_SETTINGS_DEPS = [
    "//core:registry",
    "//core:validation",
    "//proto:blocks_cc_proto",
    "//proto:recipe_cc_proto",
    "@absl//:absl",
    "@com_google_protobuf//:protobuf",
]

_PLUGIN_DEPS = _SETTINGS_DEPS + [
    "//core:augment",
    "//core:lookahead",
    "//core:muon",
    "//core:nn_init",
    "//core:schedule",
    "//core:settings",
    "//core:train",
    "//core:tta",
    "//proto:report_cc_proto",
    "@libtorch//:libtorch",
]

def _check_name(what, value):
    if not value or value[0].isdigit():
        fail("%s %r: must start with a letter or _" % (what, value))
    for c in value.elems():
        if not (c.islower() or c.isdigit() or c == "_"):
            fail("%s %r: use lower-case letters, digits and _ only" % (what, value))

def cifarbench_recipe_library(name, src, plugin, visibility = ["//visibility:private"]):
    """cc_library `<name>_recipe` (alwayslink) registering the textproto `src` as recipe `name`.

    Its generated source is exactly
        #include "core/registry.h"
        CIFARBENCH_REGISTER_RECIPE("<name>", "<plugin>", "<package>/<src>",
                                   R"cbrecipe(<the file's text>)cbrecipe");
    Used for every shipped recipe by cifarbench_plugins(), and by the embedding test.
    """
    pkg = native.package_name()
    native.genrule(
        name = name + "_recipe_cc",
        srcs = [src],
        outs = [name + "_recipe.cc"],
        cmd = "bash $(location %s) %s %s %s $< $@" % (_EMBED, name, plugin, pkg + "/" + src),
        tools = [_EMBED],
        visibility = ["//visibility:private"],
    )
    native.cc_library(
        name = name + "_recipe",
        srcs = [name + "_recipe.cc"],
        copts = CB_COPTS,
        deps = ["//core:registry"],
        alwayslink = True,
        visibility = visibility,
    )

def _recipe(name, src, plugin):
    cifarbench_recipe_library(name, src, plugin)
    native.sh_binary(
        name = name,
        srcs = [_RUN],
        data = [_RUNNER],
        args = ["$(rootpath %s)" % _RUNNER, "--recipe=" + name],
        visibility = ["//visibility:public"],
    )

def cifarbench_plugins(visibility):
    """Every recipes/<plugin>/ folder: its plugin, settings and recipes (see the file's doc).

    Args:
      visibility: of the plugins' libraries (the recipe targets are public).
    """
    plugins = {}
    for f in native.glob(["*/*"]):
        plugins[f.split("/")[0]] = True
    recipes = {}
    for plugin in sorted(plugins.keys()):
        _check_name("plugin", plugin)
        protos = native.glob([plugin + "/*.proto"])
        settings_srcs = native.glob([plugin + "/*_settings.cc"])
        srcs = native.glob([plugin + "/*.cc"], exclude = settings_srcs)
        hdrs = native.glob([plugin + "/*.h"])
        own = []
        if protos:
            native.proto_library(
                name = plugin + "_proto",
                srcs = protos,
                deps = ["//proto:blocks_proto"],
                visibility = visibility,
            )
            native.cc_proto_library(
                name = plugin + "_cc_proto",
                deps = [":" + plugin + "_proto"],
                visibility = visibility,
            )
            own.append(":" + plugin + "_cc_proto")
        if settings_srcs:
            native.cc_library(
                name = plugin + "_settings",
                srcs = settings_srcs,
                copts = CB_COPTS,
                alwayslink = True,
                deps = own + _SETTINGS_DEPS,
                visibility = visibility,
            )
            own.append(":" + plugin + "_settings")
        for src in native.glob([plugin + "/*.textproto"]):
            name = src.split("/")[1][:-len(".textproto")]
            _check_name("recipe (file stem of recipes/%s)" % src, name)
            if name in recipes or name in plugins:
                fail("recipe %r (recipes/%s) clashes with %s" % (name, src, recipes.get(name, "a plugin")))
            recipes[name] = "recipes/" + src
            _recipe(name, src, plugin)
            own.append(":" + name + "_recipe")
        native.cc_library(
            name = plugin,
            srcs = srcs,
            hdrs = hdrs,
            copts = CB_COPTS,
            alwayslink = True,
            deps = own + _PLUGIN_DEPS,
            visibility = visibility,
        )
    native.cc_library(
        name = "all_plugins",
        deps = [":" + p for p in sorted(plugins.keys())],
        alwayslink = True,
        visibility = visibility,
    )
    native.filegroup(
        name = "textprotos",
        srcs = native.glob(["*/*.textproto"]),
        visibility = visibility,
    )
    native.cc_library(
        name = "all_settings",
        deps = [":" + p + "_settings" for p in sorted(plugins.keys()) if native.glob([p + "/*_settings.cc"])],
        alwayslink = True,
        visibility = visibility,
    )
