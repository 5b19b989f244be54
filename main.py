"""CDK Terrain app entry point: `npx cdktn synth|diff|deploy <agent>` runs this.

It validates identities.yaml (or $AGENTID_FILE) exactly as `agentid validate`
does and refuses to synthesize anything from an invalid file.
"""

from cdk.commands.synth import app_main

app_main()
