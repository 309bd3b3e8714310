import click

init = click.Command("init")
serve_demo = click.Command("serve-demo")
