"""python -m deploy deploy <stage> | destroy <stage> [--delete-data] | settings <stage>
(what `make deploy`, `make destroy` and `make settings` run)."""

import argparse
import sys

from botocore.exceptions import ClientError, NoCredentialsError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m deploy", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("deploy", help="create or update everything the stage needs").add_argument("stage")
    undo = commands.add_parser("destroy", help="take the stage down, keeping its data")
    undo.add_argument("stage")
    undo.add_argument(
        "--delete-data",
        action="store_true",
        help="delete the buckets, table, queue, secrets and database too",
    )
    commands.add_parser(
        "settings", help="write the stage's zappa_settings.json from its stacks"
    ).add_argument("stage")
    args = parser.parse_args(argv)

    from deploy import stacks
    from deploy.settings import DescriptionError

    try:
        if args.command == "deploy":
            from deploy.deploy import deploy, summary

            report, outputs = deploy(args.stage)
            summary(report, outputs)
        elif args.command == "destroy":
            from deploy.destroy import destroy

            if args.delete_data and sys.stdin.isatty():
                typed = input(
                    f"Delete every photo, subscriber and post of stage {args.stage}? Type its name: "
                )
                if typed.strip() != args.stage:
                    sys.exit("Nothing deleted.")
            destroy(args.stage, delete_data=args.delete_data)
        else:
            from deploy.settings import main as write_settings

            write_settings([args.stage])
    except (DescriptionError, stacks.StackError, RuntimeError) as error:
        sys.exit(f"error: {error}")
    except NoCredentialsError:
        sys.exit("error: no AWS credentials (README, 'Deploying': the deployer's credentials)")
    except ClientError as error:
        sys.exit(f"error: AWS refused: {error}")


if __name__ == "__main__":
    main()
