/**
 * Registers every recipe (import for its side effect). Add a recipe module here.
 * The test-only recipes register only when FEATURELAB_TEST_RECIPES=1.
 */
import "./critical.js";
import "./criticalHmc.js";
import "./kernels.js";
import "./langevinTheory.js";
import "./multiscale.js";
import "./multiscaleSampling.js";
import "./phaseDiagram.js";
import "./renormalization.js";
import "./renormSampling.js";
import "./springblock.js";

if (process.env.FEATURELAB_TEST_RECIPES === "1") await import("./testing.js");
