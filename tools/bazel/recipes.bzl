"""Shipped recipes compiled into the binaries, and the //recipes:<recipe> run targets.

In a plugin's package (recipes/<plugin>/BUILD):

    load("//tools/bazel:recipes.bzl", "cifarbench_recipe")

    cifarbench_recipe(name = "hlb_record", src = "hlb_record.textproto", plugin = "hlb")
    # -> cc_library :hlb_record_recipe (alwayslink), whose generated source is
    #    #include "core/registry.h"
    #    CIFARBENCH_REGISTER_RECIPE("hlb_record", "hlb", "recipes/hlb/hlb_record.textproto",
    #                               R"cbrecipe(<the file's text>)cbrecipe");

    cc_library(name = "hlb", deps = [":hlb_lib", ":hlb_record_recipe", ...], ...)

In recipes/BUILD (one line per plugin):

    load("//tools/bazel:recipes.bzl", "cifarbench_recipe_targets")

    cifarbench_recipe_targets({"hlb": ["hlb_record", "hlb_record_smoke"]})
    # -> cc_library //recipes:all_plugins (deps //recipes/hlb:hlb, ...)
    #    sh_binary //recipes:hlb_record, //recipes:hlb_record_smoke:
    #    `bazel run //recipes:hlb_record -- --runs=3` runs `bench --recipe=hlb_record --runs=3`.

The CMake equivalent is cifarbench_add_recipe() in cmake/CifarbenchRecipes.cmake.
"""

load("//tools/bazel:copts.bzl", "CB_COPTS")

_EMBED = "//tools/bazel:embed_recipe.sh"
_RUN = "//tools/bazel:run_recipe.sh"
_RUNNER = "//bench"

def _check_name(what, value):
    for c in value.elems():
        if not (c.isalnum() or c in "_-"):
            fail("%s %r: use letters, digits, _ and - only" % (what, value))

def cifarbench_recipe(name, src, plugin, visibility = None, tags = None):
    """Compiles the textproto `src` into cc_library `<name>_recipe` (alwayslink).

    Args:
      name: the recipe's name, as --recipe=<name> selects it.
      src: the textproto, in this package.
      plugin: the name of the plugin that runs it.
      visibility: of the cc_library.
      tags: for both targets.
    """
    _check_name("recipe", name)
    _check_name("plugin", plugin)
    pkg = native.package_name()
    path = (pkg + "/" + src) if pkg else src
    native.genrule(
        name = name + "_recipe_cc",
        srcs = [src],
        outs = [name + "_recipe.cc"],
        cmd = "bash $(location %s) %s %s %s $< $@" % (_EMBED, name, plugin, path),
        tools = [_EMBED],
        tags = tags,
        visibility = ["//visibility:private"],
    )
    native.cc_library(
        name = name + "_recipe",
        srcs = [name + "_recipe.cc"],
        copts = CB_COPTS,
        deps = ["//core:registry"],
        alwayslink = True,
        tags = tags,
        visibility = visibility,
    )

def cifarbench_recipe_targets(plugins):
    """recipes/BUILD: //recipes:all_plugins and one runnable target per shipped recipe.

    Args:
      plugins: {"<plugin>": ["<recipe>", ...]}. Each plugin's package //recipes/<plugin>
        provides cc_library //recipes/<plugin>:<plugin> (the plugin and its recipes).
    """
    native.cc_library(
        name = "all_plugins",
        deps = ["//recipes/%s:%s" % (p, p) for p in sorted(plugins.keys())],
        alwayslink = True,
        visibility = ["//visibility:public"],
    )
    seen = {}
    for plugin in sorted(plugins.keys()):
        _check_name("plugin", plugin)
        for recipe in plugins[plugin]:
            _check_name("recipe", recipe)
            if recipe in seen:
                fail("recipe %r listed for both %r and %r" % (recipe, seen[recipe], plugin))
            seen[recipe] = plugin
            native.sh_binary(
                name = recipe,
                srcs = [_RUN],
                data = [_RUNNER],
                args = [
                    "$(rootpath %s)" % _RUNNER,
                    "--recipe=" + recipe,
                ],
                visibility = ["//visibility:public"],
            )
